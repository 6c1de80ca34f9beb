// @orchflow/security — command policy, isolation, resource limits and audit for orchflow terminals.
