// What the sequence learners share with the neural policies, kept free of TF.js so that the root entry point of
// @gsh/practical loads and type-checks without it (the policies themselves are in "@gsh/practical/neural").

export interface SequencePair {
  readonly x: number;
  readonly chosen: Int32Array;
  readonly rejected: Int32Array;
}

export interface NeuralTrainOptions {
  /** DPO's β = the KL coefficient η. */
  readonly eta: number;
  /** Adam steps (default 300) and learning rate (default 0.01), minibatch size (default 256): stated, not tuned. */
  readonly steps?: number;
  readonly learningRate?: number;
  readonly batchSize?: number;
}
