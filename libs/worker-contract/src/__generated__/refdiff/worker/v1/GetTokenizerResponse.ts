// Original file: ../../proto/refdiff/worker/v1/worker.proto


export interface GetTokenizerResponse {
  /**
   * sha256 (hex) of tokenizer_json's UTF-8 bytes
   */
  'sha256'?: (string);
  /**
   * the Hugging Face tokenizer.json the pack's text encoders use
   */
  'tokenizerJson'?: (string);
  'contextLength'?: (number);
  'startId'?: (number);
  'endId'?: (number);
}

export interface GetTokenizerResponse__Output {
  /**
   * sha256 (hex) of tokenizer_json's UTF-8 bytes
   */
  'sha256': (string);
  /**
   * the Hugging Face tokenizer.json the pack's text encoders use
   */
  'tokenizerJson': (string);
  'contextLength': (number);
  'startId': (number);
  'endId': (number);
}
