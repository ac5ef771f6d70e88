// Fixed limits for reading untrusted runbook YAML. A pull request can put any bytes in runbooks/,
// and `pcq validate` runs on every PR, so each limit is a documented refusal with its own code,
// enforced before the expensive work it protects (README "Hostile input").
export const YAML_LIMITS = {
  /** Files above this size are refused before parsing (PCQ_YAML_TOO_LARGE). */
  maxBytes: 1024 * 1024,
  /** Collections nested deeper than this are refused (PCQ_YAML_TOO_DEEP). */
  maxDepth: 64,
  /**
   * Nodes an alias may expand to, summed over every alias in the document (PCQ_YAML_ALIASES).
   * Billion-laughs documents grow exponentially and hit it after a few thousand nodes.
   */
  maxAliasExpansion: 10_000,
} as const;
