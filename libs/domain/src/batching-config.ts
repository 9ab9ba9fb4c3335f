/** Per-model dynamic batching (Triton's dynamic batcher): null means every request runs on its own. */
export interface BatchingConfig {
  /** Most rows one session.run takes. */
  max_batch_size: number;
  /** Longest a request waits for others to join its batch. */
  max_delay_ms: number;
}
