// `for f in src/*.js a.txt; do wc -l "$f"; done`: the loop variable takes each listed word, so
// in the body `$f` is judged as each of them (a glob as the files it matches) instead of being
// refused as a value only known at run time. That holds only while nothing else in the line can
// assign the variable: an assignment, a builtin naming it (`read f`, `printf -v f`), arithmetic
// using it, a nested loop over it, or code loaded at run time (`source`, `.`, `eval`).
import type { Node } from 'web-tree-sitter';
import type { WordValue } from './words';

// Builtins that run code the policy does not see, which may assign any variable.
const LOADS_CODE = new Set(['source', '.', 'eval']);
const ARITHMETIC = new Set(['arithmetic_expansion', 'c_style_for_statement']);
const WORD_NAME = /^['"]?(?:-[A-Za-z]*)?([A-Za-z_][A-Za-z0-9_]*)/;

function root(node: Node): Node {
  let n = node;
  while (n.parent) n = n.parent;
  return n;
}

function inArithmetic(node: Node): boolean {
  for (let n = node.parent; n; n = n.parent) {
    if (ARITHMETIC.has(n.type) || (n.type === 'compound_statement' && n.firstChild?.type === '(('))
      return true;
    if (n.type === 'command' || n.type === 'program') return false;
  }
  return false;
}

// Whether anything in the tree other than `loop` itself may assign `name`.
function mayAssign(tree: Node, loop: Node, name: string): boolean {
  const stack: Node[] = [tree];
  while (stack.length > 0) {
    const node = stack.pop() as Node;
    switch (node.type) {
      case 'variable_assignment': {
        const target = node.childForFieldName('name');
        const base = target?.type === 'subscript' ? target.firstNamedChild : target;
        if (base?.text === name) return true;
        break;
      }
      case 'for_statement':
      case 'select_statement':
        if (node.id !== loop.id && node.childForFieldName('variable')?.text === name) return true;
        break;
      case 'variable_name':
        if (node.text === name && inArithmetic(node)) return true;
        break;
      case 'expansion':
        // `${f:=x}`, `${f=x}` assign when f is unset or empty.
        if (node.firstNamedChild?.text === name && /^\$\{[^}]*?:?=/.test(node.text)) return true;
        break;
      case 'declaration_command':
      case 'unset_command':
        if (new RegExp(`\\b${name}\\b`).test(node.text)) return true;
        break;
      case 'command': {
        const program = node.childForFieldName('name')?.text ?? '';
        if (LOADS_CODE.has(program)) return true;
        for (const arg of node.childrenForFieldName('argument'))
          if (arg && WORD_NAME.exec(arg.text)?.[1] === name) return true;
        break;
      }
    }
    for (const child of node.children) if (child) stack.push(child);
  }
  return false;
}

/**
 * The values `name` takes in the body of the `for` statement `loop` over `values`, or
 * `undefined` when they are not all known or something else in the line may assign it.
 */
export function loopBinding(loop: Node, name: string, values: WordValue[]): string[] | undefined {
  if (values.length === 0 || values.some((v) => v.expanded)) return undefined;
  if (mayAssign(root(loop), loop, name)) return undefined;
  return values.flatMap((v) => v.alternatives ?? [v.value]);
}
