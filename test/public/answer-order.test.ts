import { describe, expect, it } from "vitest";
import { AnswerOrder } from "../../public/js/answer-order.js";

/** A request whose answer comes when the test says, as a slow network would deliver it. */
function pending<T>(): { request: () => Promise<T>, answer(value: T): void, fail(error: Error): void } {
  let answer: (value: T) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const promise = new Promise<T>((resolve, reject) => {
    answer = resolve;
    fail = reject;
  });
  return { request: () => promise, answer, fail };
}

describe("the order of a page's answers", () => {
  it("drops an answer that arrives after the answer to a request sent later", async () => {
    const order = new AnswerOrder();
    const first = pending<string>();
    const second = pending<string>();
    const firstShown = order.latest(first.request);
    const secondShown = order.latest(second.request);
    second.answer("after the change");
    first.answer("before the change");
    expect(await secondShown).toBe("after the change");
    expect(await firstShown).toBeUndefined();
  });

  it("keeps answers that arrive in the order they were asked for", async () => {
    const order = new AnswerOrder();
    const first = pending<string>();
    const second = pending<string>();
    const firstShown = order.latest(first.request);
    const secondShown = order.latest(second.request);
    first.answer("one");
    expect(await firstShown).toBe("one");
    second.answer("two");
    expect(await secondShown).toBe("two");
  });

  it("drops an older request's failure once a newer answer is shown, and passes on any other", async () => {
    const order = new AnswerOrder();
    const first = pending<string>();
    const second = pending<string>();
    const third = pending<string>();
    const firstShown = order.latest(first.request);
    const secondShown = order.latest(second.request);
    second.answer("shown");
    await secondShown;
    first.fail(new Error("the network went away"));
    expect(await firstShown).toBeUndefined();
    const thirdShown = order.latest(third.request);
    third.fail(new Error("the store is down"));
    await expect(thirdShown).rejects.toThrow("the store is down");
  });

  it("says it is waiting until every request sent has settled, the dropped ones too", async () => {
    const order = new AnswerOrder();
    const first = pending<string>();
    const second = pending<string>();
    const firstShown = order.latest(first.request);
    const secondShown = order.latest(second.request);
    second.answer("newer");
    await secondShown;
    expect(order.waiting).toBe(true);
    first.answer("older");
    await firstShown;
    expect(order.waiting).toBe(false);
  });
});
