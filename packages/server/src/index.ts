// @orchflow/server — orchflow's servers and CLI.
