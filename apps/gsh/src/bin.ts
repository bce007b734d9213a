#!/usr/bin/env node
import { Command } from "commander";
import { exactDemoTable } from "./demo";

const program = new Command("gsh").description("gsh: benchmarks for KL-regularized RLHF with exact suboptimality");

program
  .command("bench")
  .description("run the default benchmark (until the suite runner lands: an exact suboptimality demo)")
  .option("--seed <n>", "instance seed", "0")
  .action((opts: { seed: string }) => {
    console.log("Random linear bandit (X=50, A=32, d=8, ‖θ*‖=3, π0 temperature 0.3), exact values:");
    console.log(exactDemoTable(Number(opts.seed)));
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
