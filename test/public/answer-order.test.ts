import { describe, expect, it } from "vitest";
import { AnswerOrder } from "../../public/js/answer-order.js";

/** A request whose answer comes when the test says, as a slow network would deliver it. */
function pending(): { request: () => Promise<string>, answer(value: string): void, fail(error: Error): void } {
  let answer: (value: string) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const promise = new Promise<string>((resolve, reject) => {
    answer = resolve;
    fail = reject;
  });
  return { request: () => promise, answer, fail };
}

/** Sends one pending request through `order`, and what `order` resolves it to. */
function send(order: AnswerOrder): ReturnType<typeof pending> & { shown: Promise<string | undefined> } {
  const request = pending();
  return { ...request, shown: order.latest(request.request) };
}

describe("the order of a page's answers", () => {
  it("drops an answer that arrives after the answer to a request sent later", async () => {
    const order = new AnswerOrder();
    const first = send(order);
    const second = send(order);
    second.answer("after the change");
    first.answer("before the change");
    expect(await second.shown).toBe("after the change");
    expect(await first.shown).toBeUndefined();
  });

  it("keeps answers that arrive in the order they were asked for", async () => {
    const order = new AnswerOrder();
    const first = send(order);
    const second = send(order);
    first.answer("one");
    expect(await first.shown).toBe("one");
    second.answer("two");
    expect(await second.shown).toBe("two");
  });

  it("drops an older request's failure once a newer answer is shown, and passes on any other", async () => {
    const order = new AnswerOrder();
    const first = send(order);
    const second = send(order);
    second.answer("shown");
    await second.shown;
    first.fail(new Error("the network went away"));
    expect(await first.shown).toBeUndefined();
    const third = send(order);
    third.fail(new Error("the store is down"));
    await expect(third.shown).rejects.toThrow("the store is down");
  });

  it("says it is waiting until every request sent has settled, the dropped ones too", async () => {
    const order = new AnswerOrder();
    const first = send(order);
    const second = send(order);
    second.answer("newer");
    await second.shown;
    expect(order.waiting).toBe(true);
    first.answer("older");
    await first.shown;
    expect(order.waiting).toBe(false);
  });
});
