/**
 * The Python snippet that loads a `gsh/reward-model` file with numpy and scores new embeddings (written by
 * `gsh export --python`, shown in the README, and run by the tests against gsh's own scores).
 */
export const PYTHON_LOADER = `import json

import numpy as np


def load_reward_model(path):
    """A gsh/reward-model v1 file: the reward of a feature vector phi is <theta, phi>."""
    with open(path, encoding="utf-8") as f:
        model = json.load(f)
    if model.get("schema") != "gsh/reward-model" or model.get("version") != 1:
        raise ValueError(f"{path}: not a gsh/reward-model version 1 file")
    # The features must come from the same featuriser or embedding model, with the same input.
    print("features:", model.get("embedding", "not recorded"))
    return model, np.asarray(model["theta"], dtype=np.float64)


def score(theta, embeddings):
    """Rewards of the rows of embeddings (n x dim). Only differences between responses to one prompt mean anything."""
    return np.asarray(embeddings, dtype=np.float64) @ theta


def preference(theta, chosen, rejected):
    """P(chosen preferred to rejected) under Bradley-Terry: sigmoid(r(chosen) - r(rejected))."""
    return 1.0 / (1.0 + np.exp(-(score(theta, chosen) - score(theta, rejected))))
`;
