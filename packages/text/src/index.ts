// resources → sentences → vocabulary and π0 → features → the testbed; decode turns responses back into text.
export * from "./corpus";
export * from "./tokenize";
export * from "./bigram-model";
export * from "./features";
export * from "./decode";
export * from "./testbed-t";
