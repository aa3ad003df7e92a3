// Original file: ../../proto/refdiff/worker/v1/worker.proto


export interface PackLimits {
  'sdImageSize'?: (number);
  'clipImageSize'?: (number);
  'clipDynamicImageSize'?: (boolean);
  /**
   * CLIP encoder layers the soft branch can read (1 = only the last)
   */
  'clipLayers'?: (number);
  /**
   * text encoder positions (CLIP: 77, i.e. 75 tokens between the start and end tokens)
   */
  'contextLength'?: (number);
  /**
   * sha256 (hex) of the pack's tokenizer.json; GetTokenizer returns the file
   */
  'tokenizerSha256'?: (string);
}

export interface PackLimits__Output {
  'sdImageSize': (number);
  'clipImageSize': (number);
  'clipDynamicImageSize': (boolean);
  /**
   * CLIP encoder layers the soft branch can read (1 = only the last)
   */
  'clipLayers': (number);
  /**
   * text encoder positions (CLIP: 77, i.e. 75 tokens between the start and end tokens)
   */
  'contextLength': (number);
  /**
   * sha256 (hex) of the pack's tokenizer.json; GetTokenizer returns the file
   */
  'tokenizerSha256': (string);
}
