// Skeleton: the implementation lands with its issue (see the repository issues).
export {};
