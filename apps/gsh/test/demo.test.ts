import { exactDemoTable } from "../src/demo";

test("the demo table is deterministic and SubOpt(π0) shrinks as η grows", () => {
  const t = exactDemoTable(0);
  expect(exactDemoTable(0)).toBe(t);
  const sub = t.split("\n").slice(1).map((l) => Number(l.trim().split(/\s+/)[2]));
  expect(sub).toHaveLength(4);
  for (let i = 1; i < sub.length; i++) expect(sub[i]).toBeLessThan(sub[i - 1]);
});
