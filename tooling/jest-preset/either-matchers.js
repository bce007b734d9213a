// Matchers for fp-ts Either results, so that a failing test says what came back instead of "expected true":
//   expect(result).toBeLeft("InvalidArgument", { field: "beta" })   // the tag, then any fields (asymmetric ok)
//   expect(result).toBeRight()
const describeEither = (e) =>
  e && e._tag === "Left"
    ? `Left(${JSON.stringify(e.left)})`
    : e && e._tag === "Right"
      ? `Right(${JSON.stringify(e.right, (_k, v) => (ArrayBuffer.isView(v) ? `[${v.constructor.name}]` : v))?.slice(0, 200)})`
      : `not an Either: ${String(e)}`;

expect.extend({
  toBeLeft(received, tag, fields = {}) {
    const left = received && received._tag === "Left" ? received.left : undefined;
    const wrong = [];
    if (left === undefined) wrong.push("it is not a Left");
    else {
      if (left._tag !== tag) wrong.push(`its tag is ${left._tag}`);
      for (const [k, v] of Object.entries(fields))
        if (!this.equals(left[k], v)) wrong.push(`its ${k} is ${this.utils.printReceived(left[k])}`);
    }
    const want = `Left ${tag}${Object.keys(fields).length ? ` with ${this.utils.printExpected(fields)}` : ""}`;
    return {
      pass: wrong.length === 0,
      message: () =>
        wrong.length === 0
          ? `expected anything but ${want}, got ${describeEither(received)}`
          : `expected ${want}, but ${wrong.join(", ")}: ${describeEither(received)}`,
    };
  },
  toBeRight(received) {
    const pass = received && received._tag === "Right";
    return {
      pass: Boolean(pass),
      message: () => `expected ${pass ? "not " : ""}a Right, got ${describeEither(received)}`,
    };
  },
});
