// Bash evaluates some strings as code long after they were written: arithmetic (`$((x))`, `((…))`,
// `[[ x -eq 1 ]]`, array subscripts, `${s:x}` offsets) evaluates a variable's value as an
// expression, and a subscript in that value runs command substitutions (`x='a[$(cmd)]'`).
// `${!x}` and `${x@P}` do the same through indirection and prompt expansion. A value can come from
// an earlier command of the same shell, a file or `$_`, none of which the policy sees, so under an
// allowlist an evaluation may only read variables this command line itself set to a number.
import type { Node } from 'web-tree-sitter';
import { spend } from './budget';
import type { Construct } from './scan';

/** Shell variables that always read as a number whatever was assigned before. */
const NUMERIC_SPECIALS = new Set([
  'RANDOM',
  'SRANDOM',
  'SECONDS',
  'LINENO',
  'BASHPID',
  'EPOCHSECONDS',
  'EUID',
  'UID',
  'PPID',
]);
const INTEGER = /^(0[xX][0-9a-fA-F]+|[0-9]+(#[0-9A-Za-z@_]+)?)$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A variable name with at most a numeric or `@`/`*` subscript: nothing in it is evaluated. */
export const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\[([0-9]+|[@*])\])?$/;
const ARITH_TESTS = new Set(['-eq', '-ne', '-lt', '-le', '-gt', '-ge']);

interface Binding {
  name: string;
  from: number;
  to: number;
}

function kids(node: Node): Node[] {
  return node.children.filter((c): c is Node => c !== null);
}

function isInteger(node: Node | null | undefined): boolean {
  return (
    node !== null &&
    node !== undefined &&
    (node.type === 'number' || node.type === 'word') &&
    INTEGER.test(node.text)
  );
}

/** Finds the first evaluation of a value the command line does not control. */
class EvaluationCheck {
  private readonly bindings: Binding[] = [];
  private readonly tainted = new Set<string>();
  hazard?: Construct;

  constructor(private readonly root: Node) {
    this.collect(root);
  }

  // Names set to a number: unconditional top-level `n=3`, a C-style `for` initialiser (for that
  // loop), `for i in 1 2 3` (for that loop). Any other assignment of the name taints it.
  private collect(node: Node): void {
    spend(1, 'walking the syntax tree');
    if (node.type === 'variable_assignment') {
      const name = node.childForFieldName('name')?.text ?? '';
      const value = node.childForFieldName('value');
      const parent = node.parent;
      const background = node.nextSibling?.type === '&';
      if (!isInteger(value)) this.tainted.add(name);
      else if (parent?.type === 'program' && !background)
        this.bindings.push({ name, from: node.endIndex, to: Number.POSITIVE_INFINITY });
      else if (parent?.type === 'c_style_for_statement')
        this.bindings.push({ name, from: node.endIndex, to: parent.endIndex });
      else if (parent?.type !== 'c_style_for_statement') this.tainted.add(name);
    } else if (node.type === 'command') {
      // A word naming a variable may be a builtin's target (`read n`, `printf -v n`, `mapfile n`).
      for (const arg of node.childrenForFieldName('argument')) {
        if (!arg) continue;
        const name = /^['"]?(-v)?([A-Za-z_][A-Za-z0-9_]*)/.exec(arg.text)?.[2];
        if (name) this.tainted.add(name);
      }
    } else if (node.type === 'for_statement') {
      const name = node.childForFieldName('variable')?.text ?? '';
      const values = node.childrenForFieldName('value');
      if (values.length > 0 && values.every((v) => isInteger(v)))
        this.bindings.push({ name, from: node.startIndex, to: node.endIndex });
      else this.tainted.add(name);
    }
    for (const child of kids(node)) this.collect(child);
  }

  private safe(name: string, at: number): boolean {
    if (NUMERIC_SPECIALS.has(name)) return true;
    if (this.tainted.has(name)) return false;
    return this.bindings.some((b) => b.name === name && b.from <= at && at < b.to);
  }

  private deny(node: Node, why: string): void {
    this.hazard ??= {
      rule: 'evaluated-string',
      reason: `'${node.text.slice(0, 80)}' ${why}; a string such as 'a[$(cmd)]' there would run cmd`,
    };
  }

  private reference(name: string, node: Node): void {
    if (!this.safe(name, node.startIndex))
      this.deny(node, `evaluates the variable '${name}', which this command line has not set to a number`);
  }

  // An arithmetic expression: numbers, operators and variables set to numbers only.
  private arithmetic(node: Node): void {
    switch (node.type) {
      case 'number':
        return;
      case 'variable_name':
        this.reference(node.text, node);
        return;
      case 'word':
        if (INTEGER.test(node.text)) return;
        if (IDENT.test(node.text)) this.reference(node.text, node);
        else this.deny(node, 'is evaluated as arithmetic');
        return;
      case 'special_variable_name':
        if (!/^[#?$!]$/.test(node.text)) this.deny(node, 'is evaluated as arithmetic');
        return;
      case 'simple_expansion':
      case 'expansion': {
        const name = /^\$\{?([A-Za-z_][A-Za-z0-9_]*|[#?$!])\}?$/.exec(node.text)?.[1];
        if (name === undefined) this.deny(node, 'expands to a value that is evaluated as arithmetic');
        else if (!/^[#?$!]$/.test(name)) this.reference(name, node);
        return;
      }
      case 'variable_assignment': {
        const value = node.childForFieldName('value');
        if (value) this.arithmetic(value);
        return;
      }
      case 'command_substitution':
      case 'process_substitution':
      case 'string':
      case 'raw_string':
      case 'ansi_c_string':
      case 'translated_string':
      case 'concatenation':
        this.deny(node, 'is evaluated as arithmetic');
        return;
    }
    for (const child of kids(node)) if (child.isNamed) this.arithmetic(child);
  }

  /** Walks the tree; the first hazard is kept in {@link hazard}. */
  walk(node: Node = this.root): void {
    spend(1, 'walking the syntax tree');
    switch (node.type) {
      case 'arithmetic_expansion':
        for (const child of kids(node)) if (child.isNamed) this.arithmetic(child);
        return;
      case 'compound_statement':
        if (node.firstChild?.type === '((') {
          for (const child of kids(node)) if (child.isNamed) this.arithmetic(child);
          return;
        }
        break;
      case 'c_style_for_statement':
        for (const child of kids(node)) {
          if (child.type === 'do_group' || child.type === 'compound_statement') this.walk(child);
          else if (child.isNamed) this.arithmetic(child);
        }
        return;
      case 'subscript': {
        // `a[i]`: the index is arithmetic (`@`/`*` list the array).
        const index = kids(node).slice(2, -1);
        if (!(index.length === 1 && /^[@*]$/.test(index[0]?.text ?? '')))
          for (const i of index) this.arithmetic(i);
        break;
      }
      case 'expansion':
        this.expansion(node);
        break;
      case 'unary_expression': {
        // `[[ -v name ]]`: a subscript in the name is evaluated.
        const [op, operand] = kids(node);
        if (
          op?.type === 'test_operator' &&
          /^-[vR]$/.test(op.text) &&
          operand &&
          !PLAIN_NAME.test(operand.text)
        )
          this.deny(operand, 'is a variable name whose subscript is evaluated');
        break;
      }
      case 'binary_expression': {
        const op = kids(node).find((c) => c.type === 'test_operator');
        if (op && ARITH_TESTS.has(op.text) && node.parent?.type !== 'c_style_for_statement')
          for (const side of kids(node)) if (side !== op && side.isNamed) this.arithmetic(side);
        break;
      }
    }
    for (const child of kids(node)) this.walk(child);
  }

  // `${!x}` (indirection), `${x@P}` (prompt expansion) and `${s:off:len}` (arithmetic offsets).
  private expansion(node: Node): void {
    const parts = kids(node);
    const bang = parts[1]?.type === '!';
    const listing = /^\$\{![A-Za-z_][A-Za-z0-9_]*(\[[@*]\]|[@*])\}$/.test(node.text);
    if (bang && !listing) this.deny(node, 'reads a variable named by another variable (indirection)');
    if (/@P\}$/.test(node.text))
      this.deny(node, 'expands a value as a prompt string, which runs substitutions');
    const colon = parts.findIndex((c) => c.type === ':');
    if (colon > 0) for (const off of parts.slice(colon + 1)) if (off.isNamed) this.arithmetic(off);
  }
}

/** Under an allowlist: the first construct in the tree that evaluates a value it cannot see. */
export function evaluationHazard(root: Node): Construct | undefined {
  const check = new EvaluationCheck(root);
  check.walk();
  return check.hazard;
}
