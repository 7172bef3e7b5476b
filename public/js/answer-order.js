// @ts-check
/**
 * Answers can overtake each other. Under load, a list asked for as a page
 * loads can arrive after the same list asked for again after an action, and
 * would put back what the action changed. One `AnswerOrder` per thing a page
 * shows (the session, a list) numbers its requests as they are sent, so an
 * answer older than the one already shown is dropped, and so is its failure.
 */
export class AnswerOrder {
  #sent = 0;
  #shown = 0;
  #waiting = 0;

  /** Whether a request sent through this order still waits for its answer; a page says it is loading meanwhile. */
  get waiting() {
    return this.#waiting > 0;
  }

  /**
   * Sends `request`, and resolves with its answer, or with `undefined` when the
   * answer to a request sent after it came first. Rejects as `request` does,
   * unless a newer answer came first.
   * @template T
   * @param {() => Promise<T>} request
   * @returns {Promise<T | undefined>}
   */
  async latest(request) {
    const number = ++this.#sent;
    this.#waiting += 1;
    try {
      const answer = await request();
      if (number < this.#shown) return undefined;
      this.#shown = number;
      return answer;
    } catch (error) {
      if (number < this.#shown) return undefined;
      throw error;
    } finally {
      this.#waiting -= 1;
    }
  }
}
