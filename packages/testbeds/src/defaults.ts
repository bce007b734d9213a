/** η of every testbed unless a suite or caller sets it: the KL coefficient of the paper's experiments. */
export const DEFAULT_ETA = 0.1;
