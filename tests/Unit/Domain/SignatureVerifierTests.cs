using System.Security.Cryptography;
using System.Text;
using FieldCamp.Domain.SecretScanning;

namespace FieldCamp.Tests.Unit.Domain;

public sealed class SignatureVerifierTests : IDisposable
{
    private readonly ECDsa _github = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly SignatureVerifier _verifier;
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""[{"token":"fc_live_x","type":"fieldcamp_api_key","url":"https://github.com/o/r","source":"content"}]""");

    public SignatureVerifierTests() =>
        _verifier = new SignatureVerifier([new TrustedPublicKey("key-1", _github.ExportSubjectPublicKeyInfoPem())]);

    public void Dispose()
    {
        _verifier.Dispose();
        _github.Dispose();
    }

    private string Sign(byte[] body, ECDsa? with = null) =>
        Convert.ToBase64String((with ?? _github).SignData(body, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

    [Fact]
    public void Verify_GoodSignature_IsValid() => Assert.Equal(SignatureCheck.Valid, _verifier.Verify("key-1", Sign(Body), Body));

    [Fact]
    public void Verify_SignedByAnotherKey_IsInvalid()
    {
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Equal(SignatureCheck.Invalid, _verifier.Verify("key-1", Sign(Body, stranger), Body));
    }

    [Fact]
    public void Verify_TamperedBody_IsInvalid()
    {
        var signature = Sign(Body);
        var tampered = (byte[])Body.Clone();
        tampered[^3] ^= 1;
        Assert.Equal(SignatureCheck.Invalid, _verifier.Verify("key-1", signature, tampered));
        // Same JSON, other bytes: the signature covers the raw body, not its meaning.
        var spaced = Encoding.UTF8.GetBytes(" " + Encoding.UTF8.GetString(Body));
        Assert.Equal(SignatureCheck.Invalid, _verifier.Verify("key-1", signature, spaced));
    }

    [Fact]
    public void Verify_UnknownIdentifier_IsUnknownKey() => Assert.Equal(SignatureCheck.UnknownKey, _verifier.Verify("key-2", Sign(Body), Body));

    [Theory]
    [InlineData(null, "c2ln")]
    [InlineData("key-1", null)]
    [InlineData("", "c2ln")]
    [InlineData("key-1", "not base64!")]
    public void Verify_MissingParts_IsMissing(string? identifier, string? signature) =>
        Assert.Equal(SignatureCheck.Missing, _verifier.Verify(identifier, signature, Body));

    [Fact]
    public void Verify_SignatureNotDer_IsInvalid() =>
        Assert.Equal(SignatureCheck.Invalid, _verifier.Verify("key-1", Convert.ToBase64String(new byte[64]), Body));

    [Fact]
    public void Create_KeyNotPem_NamesIt()
    {
        var refused = Assert.Throws<ArgumentException>(() => new SignatureVerifier([new TrustedPublicKey("broken", "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----")]));
        Assert.Contains("broken", refused.Message);
    }

    [Fact]
    public void Create_NotP256_IsRefused()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.Throws<ArgumentException>(() => new SignatureVerifier([new TrustedPublicKey("big", p384.ExportSubjectPublicKeyInfoPem())]));
    }

    [Fact]
    public void Create_NoKeys_HasNone()
    {
        using var none = new SignatureVerifier([]);
        Assert.False(none.HasKeys);
    }
}
