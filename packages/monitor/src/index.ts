// @orchflow/monitor's node entry: where the prebuilt web app lives, for servers that host it
// (`orchflow serve --ui`, or a program embedding @orchflow/server). The app itself (src/app) is
// browser code built by Vite into dist/app; nothing here imports it.
export { MonitorAssetsMissingError, monitorAssetsDir } from './assets-dir';
