namespace FieldCamp.Web.Cli;

/// <summary>
/// Decides what a command line asks for: the web server (no arguments, or only options such as <c>--urls …</c>,
/// <c>--environment …</c>, <c>urls=…</c>), or an operator command against the same database. A first word that names
/// no command prints the usage and exits 2, rather than quietly starting a server nobody asked for.
/// </summary>
internal static class OperatorCommands
{
    public const string Usage = """
        Usage:
          FieldCamp.Web [--urls URL] [--environment NAME] …   start the web server
          FieldCamp.Web apikey create | list | revoke …        manage API keys
          FieldCamp.Web user add --company SLUG --email EMAIL --role Owner|Admin|Member
                                                              add a person (prints the invitation link)
          FieldCamp.Web db backup FILE [--force]               copy the SQLite store to FILE while the server runs
        Add --help to a command for its options.
        """;

    /// <summary>True when the arguments start the server: nothing, or host settings only.</summary>
    public static bool StartsServer(string[] args) =>
        args.Length == 0 || args[0].StartsWith('-') || args[0].StartsWith('/') || args[0].Contains('=');

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr) => args[0] switch
    {
        "apikey" => ApiKeyCommandLine.RunAsync(args, stdout, stderr),
        "user" => UserCommandLine.RunAsync(args, stdout, stderr),
        "db" => DatabaseCommandLine.RunAsync(args, stdout, stderr),
        _ => UnknownAsync(args[0], stderr),
    };

    private static async Task<int> UnknownAsync(string command, TextWriter stderr)
    {
        await stderr.WriteLineAsync($"Unknown command \"{command}\".");
        await stderr.WriteLineAsync(Usage);
        return ApiKeyCommandLine.BadArguments;
    }
}
