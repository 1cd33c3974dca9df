// SM2 signature verification through the OpenSSL that the node binary already carries.
//
//   verifyDigest(publicKey: Uint8Array /* 65 bytes 04||X||Y */, digest: Uint8Array /* 32: e = SM3(Z||M) */,
//                signatureDer: Uint8Array) => boolean
//
// Nothing is linked: the EVP_* symbols resolve from the node executable when the addon is loaded
// (binding.gyp links with -z now, so a node without them fails at require() instead of mid-call).
// A wrong signature, an off-curve point or garbage DER gives false; only wrong argument types or
// lengths throw (TypeError).
#include <node_api.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#if !defined(OPENSSL_VERSION_MAJOR) || OPENSSL_VERSION_MAJOR < 3
#error "OpenSSL 3 headers required (node's include/node/openssl)"
#endif

#define PUBLIC_KEY_BYTES 65
#define DIGEST_BYTES 32
// DER SEQUENCE of two INTEGERs of at most 33 content bytes each: 2 + 2 * (2 + 33) = 72.
#define MAX_SIGNATURE_BYTES 72

// A Uint8Array (or Buffer) argument's bytes; false with a pending TypeError otherwise.
static int get_bytes(napi_env env, napi_value value, const char *name, const uint8_t **data, size_t *len) {
  napi_typedarray_type type;
  size_t length = 0;
  void *ptr = NULL;
  bool is_typedarray = false;
  if (napi_is_typedarray(env, value, &is_typedarray) != napi_ok || !is_typedarray ||
      napi_get_typedarray_info(env, value, &type, &length, &ptr, NULL, NULL) != napi_ok ||
      type != napi_uint8_array) {
    char message[96];
    snprintf(message, sizeof message, "%s must be a Uint8Array", name);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return 0;
  }
  *data = ptr;
  *len = length;
  return 1;
}

// Build an SM2 public key from 04||X||Y. NULL (error queue cleared) if OpenSSL refuses it, e.g. a
// point off the curve: EC_POINT_oct2point checks that.
static EVP_PKEY *sm2_public_key(const uint8_t *pub) {
  EVP_PKEY *pkey = NULL;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
  // The arrays are only read, the casts satisfy OSSL_PARAM's non-const fields.
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"SM2", 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pub, PUBLIC_KEY_BYTES),
      OSSL_PARAM_construct_end(),
  };
  if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
      EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
    EVP_PKEY_free(pkey);
    pkey = NULL;
  }
  EVP_PKEY_CTX_free(ctx);
  return pkey;
}

// 1 valid, 0 anything else (wrong signature, bad DER, r or s out of range, unusable key).
static int sm2_verify_digest(const uint8_t *pub, const uint8_t *digest, const uint8_t *sig, size_t sig_len) {
  int ok = 0;
  EVP_PKEY *pkey = sm2_public_key(pub);
  EVP_PKEY_CTX *ctx = pkey == NULL ? NULL : EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
  // The SM2 signature provider verifies tbs as the digest e itself (no Z, no hashing) and
  // insists on strict DER (it re-encodes and compares).
  if (ctx != NULL && EVP_PKEY_verify_init(ctx) > 0) {
    ok = EVP_PKEY_verify(ctx, sig, sig_len, digest, DIGEST_BYTES) == 1;
  }
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  // Failures (a wrong signature included) leave entries on this thread's error queue, which would
  // otherwise grow and confuse the next caller that reads it (node's own crypto does).
  if (!ok) ERR_clear_error();
  return ok;
}

static napi_value verify_digest(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  const uint8_t *pub, *digest, *sig;
  size_t pub_len, digest_len, sig_len;
  napi_value result;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 3) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "verifyDigest(publicKey, digest, signatureDer)");
    return NULL;
  }
  if (!get_bytes(env, argv[0], "publicKey", &pub, &pub_len) ||
      !get_bytes(env, argv[1], "digest", &digest, &digest_len) ||
      !get_bytes(env, argv[2], "signatureDer", &sig, &sig_len)) {
    return NULL;
  }
  if (pub_len != PUBLIC_KEY_BYTES) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "publicKey must be 65 bytes 04||X||Y");
    return NULL;
  }
  if (digest_len != DIGEST_BYTES) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "digest must be 32 bytes");
    return NULL;
  }
  // Only the uncompressed form: OpenSSL would also take the hybrid 06/07 prefixes, which nobody uses.
  int ok = pub[0] == 0x04 && sig_len > 0 && sig_len <= MAX_SIGNATURE_BYTES && sm2_verify_digest(pub, digest, sig, sig_len);
  if (napi_get_boolean(env, ok, &result) != napi_ok) return NULL;
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "verifyDigest", NAPI_AUTO_LENGTH, verify_digest, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "verifyDigest", fn) != napi_ok) {
    return NULL;
  }
  return exports;
}
