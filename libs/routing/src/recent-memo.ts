/**
 * Remembers a function's results for the keys seen most recently, in bounded memory. The gateway
 * hashes each caller's routing key twice per prediction (its bucket, its pseudonym in the log), and
 * callers come back: a sticky split exists because the same users call again.
 *
 * Two generations instead of a true LRU: a lookup reads `young`, then `old`; a result is written to
 * `young`, and when `young` holds `capacity` keys it becomes `old` and a new one starts. A key used
 * at least once per `capacity` distinct keys stays remembered, at most 2 × capacity results are held,
 * and a lookup is one or two Map reads with no list to reorder. Keys longer than `maxKeyLength` are
 * computed every time, so a caller sending long keys cannot make the memo hold much memory.
 */
export class RecentMemo<Value extends string | number | bigint | boolean | object> {
  private young = new Map<string, Value>();
  private old = new Map<string, Value>();

  constructor(
    private readonly compute: (key: string) => Value,
    private readonly capacity = 4_096,
    private readonly maxKeyLength = 256,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  get(key: string): Value {
    const recent = this.young.get(key);
    if (recent !== undefined) return recent;
    const value = this.old.get(key) ?? this.compute(key);
    if (key.length <= this.maxKeyLength) {
      if (this.young.size >= this.capacity) {
        this.old = this.young;
        this.young = new Map();
      }
      this.young.set(key, value);
    }
    return value;
  }

  /** Results held now (for tests). */
  get size(): number {
    return this.young.size + this.old.size;
  }
}
