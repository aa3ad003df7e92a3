// Original file: ../../proto/refdiff/worker/v1/worker.proto


export interface GetInfoRequest {
}

export interface GetInfoRequest__Output {
}
