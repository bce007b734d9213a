import { readFile, rename, writeFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { type Command, InvalidArgumentError } from "commander";
import * as E from "fp-ts/lib/Either";
import { Rng, formatError, type GshError } from "@gsh/core";
import {
  HASHED_DEFAULT_DIM,
  MAX_BATCH,
  PYTHON_LOADER,
  type ReaderOptions,
  type SuggestRule,
  type UserFit,
  type UserProblem,
  candidateIdOut,
  embedTextFile,
  fitUserModel,
  hashedEmbedder,
  labelledDpoRows,
  policySummary,
  rankedDpoRows,
  readUserProblem,
  rewardModelFromJson,
  rewardModelToJson,
  suggestPairs,
  userPolicy,
  userProblemFromBandit,
  writeUserProblem,
} from "@gsh/user-data";
import { sampleOfflineData, testbedH, testbedP, testbedR } from "@gsh/testbeds";
import { OutputPathError, checkOutputPath } from "./output-paths";
import { loadModelEmbedder } from "./model-embedder";

/** A failure the user can fix (bad file, bad option): one line on stderr, exit 2, nothing written. */
export class UserDataError extends Error {}

/** Every output path checked before any work: a missing folder, a folder in its place, an unwritable one. */
function checkOutputs(...paths: [string | undefined, string][]): void {
  for (const [path, flag] of paths) {
    if (path === undefined) continue;
    try {
      checkOutputPath(path, flag);
    } catch (e) {
      if (e instanceof OutputPathError) throw new UserDataError(e.message);
      throw e;
    }
  }
}

/** The reader options every data-reading command takes. */
interface ReadFlags {
  allowExtraFields?: boolean;
  scoreTemperature?: number;
}

function readerOptions(o: ReadFlags, dtype?: "f64" | "f32"): ReaderOptions {
  return { dtype, allowExtraFields: o.allowExtraFields, scoreTemperature: o.scoreTemperature };
}

function positive(v: string): number {
  const n = Number(v);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError("expected a number > 0");
  return n;
}

function withReadFlags(c: Command): Command {
  return c
    .option("--allow-extra-fields", "skip fields the reader does not know (default: each is an error naming it)")
    .option(
      "--score-temperature <T>",
      "use score_chosen/score_rejected as soft labels p = σ((score_chosen − score_rejected)/T)",
      positive,
    );
}

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

async function loadProblem(path: string, options: ReaderOptions = {}): Promise<UserProblem> {
  return orFail(await readUserProblem(path, options)());
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
  const o = f.outcomes;
  if (o && (o.soft > 0 || o.ties > 0))
    lines.splice(
      1,
      0,
      `outcomes: ${o.hard} hard wins, ${o.soft} soft labels (BT cross-entropy), ${o.ties} ties` +
        (f.tieParameter != null
          ? `; Davidson's tie parameter ν̂ = ${f.tieParameter.toFixed(4)} (P(tie) = ν/(e^{z/2} + e^{−z/2} + ν) at gap z)`
          : ""),
    );
  if (f.embedding)
    lines.push(
      `features: ${f.embedding.model}, d = ${f.embedding.dim}${f.embedding.input ? `, input ${f.embedding.input}` : ""}`,
    );
  const cv = f.crossValidation;
  lines.push(
    cv
      ? `${cv.folds}-fold cross-validation: accuracy ${cv.accuracy.toFixed(4)}, log-loss ${cv.logLoss.toFixed(4)}, ECE ${cv.ece.toFixed(4)}`
      : "cross-validation: skipped (--folds 0)",
  );
  return lines.join("\n");
}

/** One line per prompt (the first `limit`) and the d0-weighted overall line of a policy's summary. */
function describePolicy(p: UserProblem, summary: ReturnType<typeof policySummary>, limit: number): string {
  const f = (v: number) => v.toFixed(4);
  const o = summary.overall;
  const lines = [
    `overall (d0-weighted): E_π[r̂] = ${f(o.expectedReward)} (π0: ${f(o.referenceReward)}), KL(π‖π0) = ${f(o.kl)}, pessimistic margin E_π[bonus] = ${f(o.pessimisticMargin)}, E_π[r̂] − η·KL = ${f(o.objective)}`,
  ];
  for (const r of summary.perPrompt.slice(0, limit))
    lines.push(
      `  ${JSON.stringify(r.prompt).slice(0, 60)}: E_π[r̂] = ${f(r.expectedReward)}, KL = ${f(r.kl)}, margin = ${f(r.pessimisticMargin)}`,
    );
  if (p.prompts.length > limit)
    lines.push(`  … ${p.prompts.length - limit} more prompts (--summary <file.jsonl> writes every prompt's line)`);
  return lines.join("\n");
}

/** The candidate as output: its id (an array [prompt, response] in the pairs layout), and its text when known. */
function candidateOut(p: UserProblem, c: number, key: string): Record<string, unknown> {
  const text = p.idLayout === "pairs" ? undefined : p.candidateTexts?.[c];
  return { [key]: candidateIdOut(p, c), ...(text != null ? { [`${key}_text`]: text } : {}) };
}

export function registerUserDataCommands(program: Command, log: (s: string) => void): void {
  const warn = (s: string) => console.error(s);

  withReadFlags(
    program
      .command("fit <data>")
      .description(
        "fit a Bradley-Terry reward model on your own pairs (JSONL, see @gsh/user-data): θ̂ (soft labels as cross-entropy, ties under Davidson's model), confidence radii, cross-validated accuracy, log-loss and ECE",
      )
      .option(
        "--out <model.json>",
        "write the reward model (versioned JSON, read by policy/suggest --model and export)",
      )
      .option("--lambda <λ>", "ridge λ", number, 1)
      .option("--delta <δ>", "confidence level 1 − δ of the radii", number, 0.1)
      .option("--folds <k>", "k-fold cross-validation (0 skips it)", integer, 5)
      .option("--seed <n>", "seeds the folds", integer, 0)
      .option("--norm-bound <B>", "an upper bound on ‖θ*‖: also report the worst-case theory radius", number)
      .option("--constant <c>", "the theory radius's constant c", number, 1)
      .option("--dtype <f64|f32>", "store features as f64 (default) or f32 (half the memory)"),
  ).action(
    async (
      data: string,
      o: ReadFlags & {
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
      checkOutputs([o.out, "--out"]);
      const p = await loadProblem(data, readerOptions(o, o.dtype));
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

  withReadFlags(
    program
      .command("policy <data>")
      .description(
        "the pessimistic (offline GSHF) policy over your candidates, one JSONL row per candidate with its reward, bonus and probability; prints E_π[r̂], KL(π‖π0) and the pessimistic margin per prompt and overall",
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
      .option("--out <policy.jsonl>", "write the rows here instead of stdout (the summary then goes to stdout)")
      .option("--summary <summary.jsonl>", "write every prompt's expected reward, KL and margin as JSONL")
      .option("--show <n>", "prompts listed in the printed summary", integer, 10),
  ).action(
    async (
      data: string,
      o: ReadFlags & {
        eta: number;
        beta: number | "asymptotic" | "worst-case";
        option: string;
        model?: string;
        out?: string;
        summary?: string;
        show: number;
      },
    ) => {
      if (o.option !== "I" && o.option !== "II") throw new UserDataError(`--option must be I or II, got ${o.option}`);
      checkOutputs([o.out, "--out"], [o.summary, "--summary"]);
      const p = await loadProblem(data, readerOptions(o));
      const f = await loadOrFit(p, o.model);
      const pol = orFail(userPolicy(p, f, { eta: o.eta, beta: o.beta, option: o.option }));
      const rows = pol.rows.map((r, c) =>
        JSON.stringify({ ...r, ...candidateOut(p, c, "candidate"), option: pol.option, beta: pol.beta }),
      );
      await emit(o.out, rows.join("\n") + "\n", log);
      const summary = policySummary(p, pol, o.eta);
      (o.out ? log : warn)(describePolicy(p, summary, o.show));
      if (o.summary)
        await writeAtomically(
          o.summary,
          [...summary.perPrompt, { prompt: null, overall: true, ...summary.overall }]
            .map((r) => JSON.stringify(r))
            .join("\n") + "\n",
        );
      if (o.out)
        log(`wrote ${pol.rows.length} rows (option ${pol.option}, β = ${pol.beta} ${pol.betaSource}) to ${o.out}`);
    },
  );

  withReadFlags(
    program
      .command("suggest <data>")
      .description(
        "the next pairs to label, as JSONL {prompt, first, second, predicted}: by the GSHF enhancer, posterior (Thompson) sampling, or uncertainty; never a pair already labelled or one twice (unless --allow-relabel), spread evenly over prompts",
      )
      .requiredOption("--batch <m>", `number of pairs (at most ${MAX_BATCH})`, integer)
      .requiredOption("--eta <η>", "η of the Gibbs policies proposing candidates", number)
      .option("--rule <rule>", "enhancer | uncertainty | thompson", "enhancer")
      .option("--beta <β>", "the enhancer's confidence width (default √d)", number)
      .option("--seed <n>", "seed", integer, 0)
      .option("--allow-relabel", "allow pairs the file already labels, and repeats within the batch")
      .option(
        "--spread <even|d0>",
        "even (default): at most ⌈m / prompts with pairs left⌉ pairs per prompt, raised only to fill the batch; d0: prompts as the rule draws them",
        "even",
      )
      .option("--model <model.json>", "a model from gsh fit --out (default: fit the data now)")
      .option("--out <pairs.jsonl>", "write here instead of stdout"),
  ).action(
    async (
      data: string,
      o: ReadFlags & {
        batch: number;
        eta: number;
        rule: string;
        beta?: number;
        seed: number;
        allowRelabel?: boolean;
        spread: string;
        model?: string;
        out?: string;
      },
    ) => {
      if (!["enhancer", "uncertainty", "thompson"].includes(o.rule))
        throw new UserDataError(`--rule must be enhancer, uncertainty or thompson, got ${o.rule}`);
      if (o.spread !== "even" && o.spread !== "d0")
        throw new UserDataError(`--spread must be even or d0, got ${o.spread}`);
      if (!(o.batch >= 1 && o.batch <= MAX_BATCH))
        throw new UserDataError(`--batch must be an integer in [1, ${MAX_BATCH}], got ${o.batch}`);
      checkOutputs([o.out, "--out"]);
      const p = await loadProblem(data, readerOptions(o));
      const f = await loadOrFit(p, o.model);
      const s = orFail(
        suggestPairs(p, f, {
          batch: o.batch,
          rule: o.rule as SuggestRule,
          eta: o.eta,
          beta: o.beta,
          rng: Rng.seeded(o.seed).split("suggest"),
          allowRelabel: o.allowRelabel,
          spread: o.spread,
        }),
      );
      const index = new Map(p.candidates.map((id, c) => [id, c]));
      const rows = s.pairs.map((q) => {
        const a = index.get(q.first)!,
          b = index.get(q.second)!;
        const x = p.prompts.indexOf(q.prompt);
        const promptText = p.idLayout === "pairs" ? undefined : p.promptTexts?.[x];
        return JSON.stringify({
          prompt: q.prompt,
          ...(promptText != null ? { prompt_text: promptText } : {}),
          ...candidateOut(p, a, "first"),
          ...candidateOut(p, b, "second"),
          predicted: q.predicted,
        });
      });
      if (rows.length > 0 || o.out) await emit(o.out, rows.length > 0 ? rows.join("\n") + "\n" : "", log);
      if (s.pairs.length === 0)
        warn(
          "gsh suggest: every pair of candidates is already labelled, nothing left to ask (add unlabelled responses to the file, or --allow-relabel)",
        );
      else if (s.pairs.length < o.batch)
        warn(`gsh suggest: ${s.pairs.length} of ${o.batch} pairs: only ${s.unlabelled} pairs were left to ask`);
      if (o.out)
        log(
          `wrote ${s.pairs.length} pairs (${s.rule}${s.enhancer ? `, Γ = ${s.enhancer.gamma.toFixed(4)}, KL(π²‖π¹) = ${s.enhancer.klToMain.toFixed(4)}` : ""}; ${s.perPromptCap === null ? "prompts from d0" : `at most ${s.perPromptCap} per prompt`}; ${s.unlabelled} unlabelled pairs before this batch) to ${o.out}`,
        );
    },
  );

  withReadFlags(
    program
      .command("embed <text>")
      .description(
        "turn TRL-style text preferences ({prompt, chosen, rejected}, standard or conversational, plus unlabelled {prompt, response} rows) into the native format with features: the built-in hashed featuriser (no model) or a local sentence-embedding model",
      )
      .requiredOption(
        "--out <data.jsonl>",
        "where to write the native problem (texts, features, labels, the featuriser)",
      )
      .option("--dim <D>", `the hashed featuriser's dimension (default ${HASHED_DEFAULT_DIM})`, integer)
      .option(
        "--model <folder>",
        "a sentence-embedding model in a local folder (ONNX, run by the optional @huggingface/transformers); nothing is downloaded",
      )
      .option("--input <what>", "what is embedded: response (default) or prompt+response", "response"),
  ).action(async (text: string, o: ReadFlags & { out: string; dim?: number; model?: string; input: string }) => {
    if (o.input !== "response" && o.input !== "prompt+response")
      throw new UserDataError(`--input must be response or prompt+response, got ${o.input}`);
    if (o.model !== undefined && o.dim !== undefined)
      throw new UserDataError("--dim is the hashed featuriser's; a model's dimension is its own (drop --dim)");
    if (o.dim !== undefined && !(o.dim >= 1 && o.dim <= 1 << 20))
      throw new UserDataError(`--dim must be an integer in [1, ${1 << 20}], got ${o.dim}`);
    checkOutputs([o.out, "--out"]);
    const embedder = o.model
      ? await loadModelEmbedder(o.model).catch((e: Error) => {
          throw new UserDataError(e.message);
        })
      : hashedEmbedder(o.dim ?? HASHED_DEFAULT_DIM);
    const p = orFail(await embedTextFile(text, embedder, { ...readerOptions(o), input: o.input })());
    const tmp = `${o.out}.tmp-${process.pid}`;
    await writeUserProblem(tmp, p, { renumber: true });
    await rename(tmp, o.out);
    log(
      `wrote ${p.candidates.length} candidates of ${p.prompts.length} prompts and ${p.chosen.length} labelled pairs (${embedder.model}, d = ${embedder.dim}, input ${o.input}) to ${o.out}`,
    );
  });

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
      const truth = `${o.out.replace(/\.jsonl$/, "")}.theta-star.json`;
      checkOutputs([o.out, "--out"], [truth, "(θ* beside --out)"]);
      const inst = make(o.seed);
      const p = userProblemFromBandit(inst.problem, sampleOfflineData(inst, o.pairs, o.seed).data);
      const tmp = `${o.out}.tmp-${process.pid}`;
      await writeUserProblem(tmp, p);
      await rename(tmp, o.out);
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

  withReadFlags(
    program
      .command("export <model>")
      .description(
        "write a reward model from gsh fit: --format json (gsh/reward-model v1, fields in the @gsh/user-data README, the embedding recorded) or dpo ({prompt, chosen, rejected} rows for TRL's DPOTrainer); --python writes a numpy loader",
      )
      .requiredOption("--out <file>", "where to write")
      .option("--format <json|dpo>", "json (default): the reward model; dpo: pairs for DPOTrainer", "json")
      .option(
        "--parameters-only",
        "json: keep only schema, version, dim, λ, θ̂ and the embedding (what a serving system loads)",
      )
      .option(
        "--python <loader.py>",
        "also write the Python snippet that loads the model with numpy and scores embeddings",
      )
      .option("--data <data.jsonl>", "dpo: the data file with texts (from gsh embed, or the pairs layout)")
      .option(
        "--pairs <labelled|ranked>",
        "dpo: the file's labelled pairs, or per prompt the policy's most vs least probable candidate",
        "labelled",
      )
      .option("--eta <η>", "dpo --pairs ranked: the policy's η", number)
      .option("--beta <β>", "dpo --pairs ranked: the policy's confidence width", betaArg, "asymptotic" as const),
  ).action(
    async (
      model: string,
      o: ReadFlags & {
        out: string;
        format: string;
        parametersOnly?: boolean;
        python?: string;
        data?: string;
        pairs: string;
        eta?: number;
        beta: number | "asymptotic" | "worst-case";
      },
    ) => {
      if (o.format !== "json" && o.format !== "dpo")
        throw new UserDataError(`--format must be json or dpo, got ${o.format}`);
      if (o.format === "dpo") {
        if (!o.data) throw new UserDataError("--format dpo needs --data <data.jsonl> (the texts)");
        if (o.pairs !== "labelled" && o.pairs !== "ranked")
          throw new UserDataError(`--pairs must be labelled or ranked, got ${o.pairs}`);
        if (o.pairs === "ranked" && o.eta === undefined) throw new UserDataError("--pairs ranked needs --eta");
      }
      checkOutputs([o.out, "--out"], [o.python, "--python"]);
      const f = await readModel(model);
      if (o.format === "json") {
        await writeAtomically(o.out, rewardModelToJson(f, { parametersOnly: o.parametersOnly }));
        log(
          `wrote ${o.out} (gsh/reward-model v1, d = ${f.dim}${o.parametersOnly ? ", parameters only" : ""}; features: ${f.embedding ? `${f.embedding.model}, d = ${f.embedding.dim}` : "not recorded"})`,
        );
      } else {
        const p = await loadProblem(o.data!, readerOptions(o));
        if (p.dim !== f.dim) throw new UserDataError(`the model has d = ${f.dim}, ${o.data} has d = ${p.dim}`);
        const rows = orFail(
          o.pairs === "labelled"
            ? labelledDpoRows(p)
            : rankedDpoRows(p, orFail(userPolicy(p, f, { eta: o.eta!, beta: o.beta }))),
        );
        await writeAtomically(o.out, rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length ? "\n" : ""));
        log(`wrote ${rows.length} DPO rows {prompt, chosen, rejected} (${o.pairs} pairs) to ${o.out}`);
      }
      if (o.python) {
        await writeAtomically(o.python, PYTHON_LOADER);
        log(`wrote ${o.python} (load_reward_model, score, preference; numpy)`);
      }
    },
  );
}
