// The Evidence stage: commits attributed to sessions, and verdicts.
