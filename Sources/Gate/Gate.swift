// The Gate stage: policy decisions over the failure mix.
