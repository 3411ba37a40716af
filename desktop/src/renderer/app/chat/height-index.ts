/**
 * Row heights of the loaded window of a conversation, and their prefix sums:
 * where each row starts, which row is at a given pixel, the total height.
 * A row's height is measured (ResizeObserver) once it has been rendered and
 * estimated until then; measurements are kept by row key, so they survive
 * the window moving (older or newer pages loading, rows dropping off).
 */

export class HeightIndex {
  #keys: readonly string[] = [];
  #positions = new Map<string, number>();
  #estimates: readonly number[] = [];
  #measured = new Map<string, number>();
  /** offsets[i] = top of row i; offsets[count] = total height. */
  #offsets = new Float64Array(1);
  #stale = false;

  get count(): number {
    return this.#keys.length;
  }

  /** Replaces the rows (keys in display order) with an estimate for each; keeps measurements of rows still present. */
  setRows(keys: readonly string[], estimates: readonly number[]): void {
    if (keys.length !== estimates.length) throw new RangeError('one estimate per row');
    this.#keys = keys;
    this.#estimates = estimates;
    this.#positions = new Map(keys.map((key, index) => [key, index]));
    for (const key of this.#measured.keys()) if (!this.#positions.has(key)) this.#measured.delete(key);
    this.#stale = true;
  }

  /** Records a rendered row's height; returns whether anything changed. */
  measure(key: string, height: number): boolean {
    if (!this.#positions.has(key) || this.#measured.get(key) === height) return false;
    this.#measured.set(key, height);
    this.#stale = true;
    return true;
  }

  /** Forgets every measurement (the width changed, so every height may have). */
  forgetMeasurements(): void {
    this.#measured.clear();
    this.#stale = true;
  }

  isMeasured(key: string): boolean {
    return this.#measured.has(key);
  }

  keyAt(index: number): string | undefined {
    return this.#keys[index];
  }

  indexOf(key: string): number {
    return this.#positions.get(key) ?? -1;
  }

  heightAt(index: number): number {
    const key = this.#keys[index];
    if (key === undefined) return 0;
    return this.#measured.get(key) ?? this.#estimates[index] ?? 0;
  }

  /** Top of row `index` (index = count gives the total height). */
  offsetOf(index: number): number {
    const offsets = this.#prefixSums();
    return offsets[Math.max(0, Math.min(index, this.#keys.length))] ?? 0;
  }

  get total(): number {
    return this.offsetOf(this.#keys.length);
  }

  /** The row covering pixel `y` (clamped to the rows there are); -1 when there are none. */
  indexAt(y: number): number {
    const count = this.#keys.length;
    if (count === 0) return -1;
    const offsets = this.#prefixSums();
    let low = 0;
    let high = count - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((offsets[middle] ?? 0) <= y) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  #prefixSums(): Float64Array {
    if (!this.#stale) return this.#offsets;
    const count = this.#keys.length;
    const offsets = this.#offsets.length === count + 1 ? this.#offsets : new Float64Array(count + 1);
    let sum = 0;
    for (let index = 0; index < count; index++) {
      offsets[index] = sum;
      sum += this.heightAt(index);
    }
    offsets[count] = sum;
    this.#offsets = offsets;
    this.#stale = false;
    return offsets;
  }
}
