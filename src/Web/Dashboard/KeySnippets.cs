using QRCoder;

namespace FieldCamp.Web.Dashboard;

public sealed record Snippet(string Title, string Language, string Code);

/// <summary>What the reveal dialog offers with a fresh secret: ready-to-paste calls, and a QR code of the key.</summary>
public static class KeySnippets
{
    public static IReadOnlyList<Snippet> For(string baseUrl, string secret)
    {
        var url = $"{baseUrl.TrimEnd('/')}/api/v1/company-info";
        return
        [
            new("curl · Bearer", "bash", $"curl {url} \\\n  -H \"Authorization: Bearer {secret}\""),
            new("curl · X-Api-Key", "bash", $"curl {url} \\\n  -H \"X-Api-Key: {secret}\""),
            new("JavaScript", "javascript",
                $"import axios from 'axios';\n\nconst fc = axios.create({{\n  baseURL: '{baseUrl.TrimEnd('/')}',\n  headers: {{ Authorization: 'Bearer {secret}' }},\n  timeout: 30_000,\n}});\n\nconst {{ data }} = await fc.get('/api/v1/company-info');\nconsole.log(data);"),
            new("Python", "python",
                $"import requests\n\nr = requests.get(\n    \"{url}\",\n    headers={{\"X-Api-Key\": \"{secret}\"}},\n    timeout=30,\n)\nr.raise_for_status()\nprint(r.json())"),
        ];
    }

    /// <summary>A PNG data URI of the secret as a QR code, for moving it to a phone or another machine without a clipboard.</summary>
    public static string QrCodeDataUri(string secret)
    {
        using var data = QRCodeGenerator.GenerateQrCode(secret, QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(data).GetGraphic(6);
        return "data:image/png;base64," + Convert.ToBase64String(png);
    }
}
