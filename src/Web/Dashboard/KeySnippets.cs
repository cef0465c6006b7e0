using QRCoder;

namespace FieldCamp.Web.Dashboard;

public sealed record Snippet(string Title, string Language, string Code);

/// <summary>What the reveal dialog offers with a fresh secret: ready-to-paste calls, and a QR code of the key.</summary>
public static class KeySnippets
{
    /// <summary>The environment variable the snippets read the key from, as in the README's "Using the API".</summary>
    public const string KeyVariable = "FIELDCAMP_API_KEY";

    /// <summary>
    /// One snippet per client, each a shell command opening with the one line that holds the secret, an <c>export</c>;
    /// the calls read the variable, so the secret stays out of the rest of the shell history and out of source files.
    /// </summary>
    public static IReadOnlyList<Snippet> For(string baseUrl, string secret)
    {
        var origin = baseUrl.TrimEnd('/');
        var url = $"{origin}/api/v1/company-info";
        var export = $"export {KeyVariable}={secret}";
        return
        [
            new("curl · Bearer", "bash", $"{export}\n\ncurl {url} \\\n  -H \"Authorization: Bearer ${KeyVariable}\""),
            new("curl · X-Api-Key", "bash", $"{export}\n\ncurl {url} \\\n  -H \"X-Api-Key: ${KeyVariable}\""),
            // Whole shell commands, so each snippet runs as copied; the program reads the key from the environment.
            new("JavaScript", "javascript",
                $"{export}\n\n" +
                "node --input-type=module <<'EOF'\n" +
                "import axios from 'axios';\n\n" +
                $"const fc = axios.create({{\n  baseURL: '{origin}',\n" +
                $"  headers: {{ Authorization: `Bearer ${{process.env.{KeyVariable}}}`, 'Content-Type': 'application/json' }},\n" +
                "  timeout: 30_000,\n});\n\n" +
                "const { data } = await fc.get('/api/v1/company-info');\nconsole.log(data);\nEOF"),
            new("Python", "python",
                $"{export}\n\n" +
                "python3 - <<'EOF'\n" +
                "import os, requests\n\n" +
                $"r = requests.get(\n    \"{url}\",\n    headers={{\"X-Api-Key\": os.environ[\"{KeyVariable}\"]}},\n    timeout=30,\n)\n" +
                "r.raise_for_status()\nprint(r.json())\nEOF"),
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
