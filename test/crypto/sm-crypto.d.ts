// Minimal types for the parts of sm-crypto (plain JS) the cross-check tests use.
declare module 'sm-crypto' {
  interface SmCryptoSm2Options {
    hash?: boolean;
    der?: boolean;
    userId?: string;
    publicKey?: string;
  }
  const smCrypto: {
    sm2: {
      generateKeyPairHex(): { privateKey: string; publicKey: string };
      getPublicKeyFromPrivateKey(privateKeyHex: string): string;
      doSignature(msg: string | Uint8Array, privateKeyHex: string, opts?: SmCryptoSm2Options): string;
      doVerifySignature(
        msg: string | Uint8Array,
        signatureHex: string,
        publicKeyHex: string,
        opts?: SmCryptoSm2Options,
      ): boolean;
    };
    /** SM3 of a UTF-8 string or bytes as hex; with `{ key, mode: 'hmac' }` (key in hex), HMAC-SM3. */
    sm3(msg: string | Uint8Array, opts?: { key: string; mode: 'hmac' }): string;
  };
  export default smCrypto;
}
