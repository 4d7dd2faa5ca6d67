// Named defaults of the remote (OpenSSH) layer; they move into lib/defaults.ts when the wiring lands.

export const REMOTE_DEFAULTS = {
  /** ssh -o ConnectTimeout (s): the user's harnesses use 8. */
  connectTimeoutS: 8,
  /** ssh -o ServerAliveInterval (s): a dead link is noticed within a few of these. */
  serverAliveIntervalS: 10,
  /** ssh -o ControlPersist (s): the master outlives one command so the next reuses it. */
  controlPersistS: 300,
  /** A remote command with no timeout of its own (probe steps, hashing, mkdir). */
  execTimeoutMs: 60_000,
  /** After a timeout, SIGTERM to the remote process group, then this long before SIGKILL. */
  killGraceMs: 2_000,
  /** How long a daemon gets to become ready (TCP port accepting, or its log line). */
  daemonReadyTimeoutMs: 15_000,
  /** Between readiness polls; each poll is one TCP connect or one `cat` of the log over the master. */
  daemonPollMs: 50,
  /** After SIGTERM, this long for the daemon to exit before SIGKILL. */
  daemonStopGraceMs: 5_000,
  /** Bytes of a daemon's log quoted in an error when it never became ready. */
  daemonLogTailBytes: 2_000,
  /** Hosts a fleet run drives at the same time (each host still runs one benchmark at a time). */
  fleetParallelHosts: 8,
  /**
   * sun_path is 104 bytes on macOS (108 on Linux); ssh binds `<ControlPath>.<16 random chars>` first,
   * so a ControlPath must leave 17 bytes and the NUL. %C expands to 40 hex characters.
   */
  sunPathBytes: 104,
};
