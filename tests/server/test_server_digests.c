/* Known answers of the server's digest helpers (src/util/secure.h), from
 * their standards, never from the code: vg_sha256_hex against FIPS 180-4's
 * examples and NIST CAVP SHA256ShortMsg.rsp, vg_hmac_sha256_hex against
 * RFC 4231 (test cases 1 and 2). Tokens, API keys and receipt secrets are
 * stored as these digests: a wrong one would lock everyone out, or worse,
 * match what it should not. */
#include "harness.h"
#include "util/secure.h"

static void test_sha256_hex(void)
{
    static const struct {
        const char *data;
        size_t len;
        const char *hex;
    } vectors[] = {
        {"", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"\xd3", 1, "28969cdfa74a12c82f3bad960b0b000aca2ac329deea5c2328ebc6f2ba9802c1"},
        {"abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        char out[65];
        vg_sha256_hex(vectors[i].data, vectors[i].len, out);
        CHECK_STR_EQ(out, vectors[i].hex);
    }
}

static void test_hmac_sha256_hex(void)
{
    uint8_t key[20];
    memset(key, 0x0b, sizeof key);
    char out[65];
    vg_hmac_sha256_hex(key, sizeof key, "Hi There", 8, out);
    CHECK_STR_EQ(out, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    vg_hmac_sha256_hex("Jefe", 4, "what do ya want for nothing?", 28, out);
    CHECK_STR_EQ(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

int main(void)
{
    RUN(test_sha256_hex);
    RUN(test_hmac_sha256_hex);
    return vg_test_exit();
}
