// The CLI's name and version, reported in `--version` and as `clientInfo`.
import packageJson from '../../package.json';

/** The @orchflow/server version. */
export const VERSION: string = packageJson.version;

/** `clientInfo` of the CLI's client commands. */
export const CLIENT_INFO = { name: 'orchflow-cli', version: VERSION };
