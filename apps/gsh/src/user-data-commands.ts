import { readFile, rename, writeFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { type Command, InvalidArgumentError } from "commander";
import * as E from "fp-ts/lib/Either";
import { Rng, formatError, type GshError } from "@gsh/core";
import {
  type SuggestRule,
  type UserFit,
  type UserProblem,
  fitUserModel,
  readUserProblem,
  rewardModelFromJson,
  rewardModelToJson,
  suggestPairs,
  userPolicy,
  userProblemFromBandit,
  writeUserProblem,
} from "@gsh/user-data";
import { sampleOfflineData, testbedH, testbedP, testbedR } from "@gsh/testbeds";

/** A failure the user can fix (bad file, bad option): one line on stderr, exit 2, nothing written. */
export class UserDataError extends Error {}

function orFail<T>(e: E.Either<GshError, T>): T {
  if (E.isLeft(e)) throw new UserDataError(formatError(e.left));
  return e.right;
}

function number(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError("expected a number");
  return n;
}

function integer(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected an integer ≥ 0");
  return n;
}

function betaArg(v: string): number | "asymptotic" | "worst-case" {
  if (v === "asymptotic" || v === "worst-case") return v;
  const n = Number(v);
  if (!(Number.isFinite(n) && n >= 0))
    throw new InvalidArgumentError('expected a number ≥ 0, "asymptotic" or "worst-case"');
  return n;
}

/** Writes the whole output to a temporary file, then renames it: a failure leaves no partial output. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

async function emit(out: string | undefined, text: string, log: (s: string) => void): Promise<void> {
  if (out) await writeAtomically(out, text);
  else log(text.replace(/\n$/, ""));
}

async function loadProblem(path: string, dtype?: "f64" | "f32"): Promise<UserProblem> {
  return orFail(await readUserProblem(path, { dtype })());
}

/** A reward model written by `gsh fit --out`; an unreadable or invalid file is a one-line error. */
async function readModel(path: string): Promise<UserFit> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new UserDataError(`${path}: ${(e as Error).message}`);
  }
  return orFail(rewardModelFromJson(text, path));
}

async function loadOrFit(p: UserProblem, model: string | undefined): Promise<UserFit> {
  if (!model) return orFail(fitUserModel(p, { folds: 0 }));
  return readModel(model);
}

function describeFit(p: UserProblem, f: UserFit, seconds: number): string {
  const lines = [
    `${f.pairs} pairs over ${p.candidates.length} candidates of ${p.prompts.length} prompts, d = ${f.dim} (${p.dtype})`,
    `θ̂: ‖θ̂‖ = ${Math.hypot(...f.theta).toFixed(4)}, ${f.iterations} Newton iterations, λ = ${f.lambda}, fitted in ${seconds.toFixed(2)} s`,
    `confidence radius at δ = ${f.radius.delta}:`,
    `  asymptotic  √χ²(d, 1−δ) = ${f.radius.asymptotic.toFixed(4)}  (bounds ‖θ̂ − θ*‖ in the Hessian norm; calibrated as n grows)`,
    f.radius.worstCase
      ? `  worst-case theory radius = ${f.radius.worstCase.value.toFixed(4)}  (Σ_D norm; c = ${f.radius.worstCase.constant}, B = ${f.radius.worstCase.normBound}, γ = ${f.radius.worstCase.gamma.toExponential(3)}; a worst-case bound, loose by design)`
      : "  worst-case theory radius: not computed (give --norm-bound B, an upper bound on ‖θ*‖)",
  ];
  const cv = f.crossValidation;
  lines.push(
    cv
      ? `${cv.folds}-fold cross-validation: accuracy ${cv.accuracy.toFixed(4)}, log-loss ${cv.logLoss.toFixed(4)}, ECE ${cv.ece.toFixed(4)}`
      : "cross-validation: skipped (--folds 0)",
  );
  return lines.join("\n");
}

export function registerUserDataCommands(program: Command, log: (s: string) => void): void {
  program
    .command("fit <data>")
    .description(
      "fit a Bradley-Terry reward model on your own pairs (JSONL, see @gsh/user-data): θ̂, confidence radii, cross-validated accuracy, log-loss and ECE",
    )
    .option("--out <model.json>", "write the reward model (versioned JSON, read by policy/suggest --model and export)")
    .option("--lambda <λ>", "ridge λ", number, 1)
    .option("--delta <δ>", "confidence level 1 − δ of the radii", number, 0.1)
    .option("--folds <k>", "k-fold cross-validation (0 skips it)", integer, 5)
    .option("--seed <n>", "seeds the folds", integer, 0)
    .option("--norm-bound <B>", "an upper bound on ‖θ*‖: also report the worst-case theory radius", number)
    .option("--constant <c>", "the theory radius's constant c", number, 1)
    .option("--dtype <f64|f32>", "store features as f64 (default) or f32 (half the memory)")
    .action(
      async (
        data: string,
        o: {
          out?: string;
          lambda: number;
          delta: number;
          folds: number;
          seed: number;
          normBound?: number;
          constant: number;
          dtype?: "f64" | "f32";
        },
      ) => {
        if (o.dtype !== undefined && o.dtype !== "f64" && o.dtype !== "f32")
          throw new UserDataError(`--dtype must be f64 or f32, got ${o.dtype}`);
        const p = await loadProblem(data, o.dtype);
        const t0 = performance.now();
        const f = orFail(
          fitUserModel(p, {
            lambda: o.lambda,
            delta: o.delta,
            folds: o.folds,
            seed: o.seed,
            normBound: o.normBound,
            constant: o.constant,
          }),
        );
        log(describeFit(p, f, (performance.now() - t0) / 1000));
        if (o.out) {
          await writeAtomically(o.out, rewardModelToJson(f));
          log(`wrote ${o.out}`);
        }
      },
    );

  program
    .command("policy <data>")
    .description(
      "the pessimistic (offline GSHF) policy over your candidates, one JSONL row per candidate with its reward, bonus and probability",
    )
    .requiredOption("--eta <η>", "the KL coefficient η", number)
    .option(
      "--beta <β>",
      'confidence width: a number (Σ_D norm), "asymptotic" or "worst-case" (from the model)',
      betaArg,
      "asymptotic" as const,
    )
    .option("--option <I|II>", "pessimism: II point-wise (default) or I in expectation", "II")
    .option("--model <model.json>", "a model from gsh fit --out (default: fit the data now)")
    .option("--out <policy.jsonl>", "write here instead of stdout")
    .action(
      async (
        data: string,
        o: { eta: number; beta: number | "asymptotic" | "worst-case"; option: string; model?: string; out?: string },
      ) => {
        if (o.option !== "I" && o.option !== "II") throw new UserDataError(`--option must be I or II, got ${o.option}`);
        const p = await loadProblem(data);
        const f = await loadOrFit(p, o.model);
        const pol = orFail(userPolicy(p, f, { eta: o.eta, beta: o.beta, option: o.option }));
        await emit(
          o.out,
          pol.rows.map((r) => JSON.stringify({ ...r, option: pol.option, beta: pol.beta })).join("\n") + "\n",
          log,
        );
        if (o.out)
          log(`wrote ${pol.rows.length} rows (option ${pol.option}, β = ${pol.beta} ${pol.betaSource}) to ${o.out}`);
      },
    );

  program
    .command("suggest <data>")
    .description(
      "the next pairs to label, as JSONL {prompt, first, second, predicted}: by the GSHF enhancer, posterior (Thompson) sampling, or uncertainty",
    )
    .requiredOption("--batch <m>", "number of pairs", integer)
    .requiredOption("--eta <η>", "η of the Gibbs policies proposing candidates", number)
    .option("--rule <rule>", "enhancer | uncertainty | thompson", "enhancer")
    .option("--beta <β>", "the enhancer's confidence width (default √d)", number)
    .option("--seed <n>", "seed", integer, 0)
    .option("--model <model.json>", "a model from gsh fit --out (default: fit the data now)")
    .option("--out <pairs.jsonl>", "write here instead of stdout")
    .action(
      async (
        data: string,
        o: { batch: number; eta: number; rule: string; beta?: number; seed: number; model?: string; out?: string },
      ) => {
        if (!["enhancer", "uncertainty", "thompson"].includes(o.rule))
          throw new UserDataError(`--rule must be enhancer, uncertainty or thompson, got ${o.rule}`);
        const p = await loadProblem(data);
        const f = await loadOrFit(p, o.model);
        const s = orFail(
          suggestPairs(p, f, {
            batch: o.batch,
            rule: o.rule as SuggestRule,
            eta: o.eta,
            beta: o.beta,
            rng: Rng.seeded(o.seed).split("suggest"),
          }),
        );
        await emit(o.out, s.pairs.map((q) => JSON.stringify(q)).join("\n") + "\n", log);
        if (o.out)
          log(
            `wrote ${s.pairs.length} pairs (${s.rule}${s.enhancer ? `, Γ = ${s.enhancer.gamma.toFixed(4)}, KL(π²‖π¹) = ${s.enhancer.klToMain.toFixed(4)}` : ""}) to ${o.out}`,
          );
      },
    );

  program
    .command("testbed-data <testbed>")
    .description(
      "write n labelled pairs from testbed R, P or H in the user-data JSONL format, and θ* beside it (to try fit/policy/suggest where the truth is known)",
    )
    .requiredOption("--out <data.jsonl>", "where to write the problem")
    .option("--pairs <n>", "labelled pairs drawn from π0", integer, 2000)
    .option("--seed <n>", "testbed and data seed", integer, 0)
    .action(async (testbed: string, o: { out: string; pairs: number; seed: number }) => {
      const make = { R: testbedR, P: testbedP, H: testbedH }[testbed];
      if (!make) throw new UserDataError(`testbed must be R, P or H, got ${testbed}`);
      const inst = make(o.seed);
      const p = userProblemFromBandit(inst.problem, sampleOfflineData(inst, o.pairs, o.seed).data);
      const tmp = `${o.out}.tmp-${process.pid}`;
      await writeUserProblem(tmp, p);
      await rename(tmp, o.out);
      const truth = `${o.out.replace(/\.jsonl$/, "")}.theta-star.json`;
      await writeAtomically(
        truth,
        JSON.stringify({
          testbed,
          seed: o.seed,
          eta: inst.problem.eta,
          normBound: inst.problem.normBound,
          thetaStar: Array.from(inst.truth.theta ?? []),
        }) + "\n",
      );
      log(
        `wrote ${p.chosen.length} pairs (${p.prompts.length} prompts × ${p.candidates.length / p.prompts.length} candidates, d = ${p.dim}) to ${o.out}, and θ* to ${truth}`,
      );
    });

  program
    .command("export <model>")
    .description("re-validate a reward model from gsh fit and write it as versioned JSON (gsh/reward-model v1)")
    .requiredOption("--out <file>", "where to write")
    .option("--parameters-only", "keep only schema, version, dim, λ and θ̂ (what a serving system loads)")
    .action(async (model: string, o: { out: string; parametersOnly?: boolean }) => {
      const f = await readModel(model);
      await writeAtomically(o.out, rewardModelToJson(f, { parametersOnly: o.parametersOnly }));
      log(`wrote ${o.out} (gsh/reward-model v1, d = ${f.dim}${o.parametersOnly ? ", parameters only" : ""})`);
    });
}
