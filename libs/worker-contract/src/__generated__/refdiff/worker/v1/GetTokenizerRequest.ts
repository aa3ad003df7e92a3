// Original file: ../../proto/refdiff/worker/v1/worker.proto


export interface GetTokenizerRequest {
}

export interface GetTokenizerRequest__Output {
}
