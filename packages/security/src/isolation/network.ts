// Network `deny` without a sandbox: the shell starts in a fresh network namespace (only a
// loopback interface, down), so no host — including services on the host's own loopback — can be
// reached. Root can create one directly; other users need a user namespace mapped to their uid.
import { isRoot } from './limits';
import { requireTool } from './tools';

/** argv prefix that runs the rest in a new network namespace (`unshare` execs it, same pid). */
export function netnsArgs(): string[] {
  const unshare = requireTool('unshare', "networkPolicy 'deny'");
  return isRoot() ? [unshare, '--net', '--'] : [unshare, '--user', '--map-root-user', '--net', '--'];
}
