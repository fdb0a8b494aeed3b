using Microsoft.Extensions.Configuration;

namespace EdgeTracker.Hosting.Configuration;

/// <summary>The result of loading: the bound options, the raw configuration (for logging settings) and every problem.</summary>
public sealed record LoadedConfig(EdgeTrackerOptions Options, IConfigurationRoot Configuration, IReadOnlyList<ConfigError> Errors, string? File);

/// <summary>
/// Assembles configuration in .NET's usual order, later sources winning: the JSON file, environment variables
/// with the <c>EDGETRACKER_</c> prefix (<c>EDGETRACKER_Mqtt__Host</c>), then <c>--Section:Key=value</c> arguments.
/// </summary>
public static class ConfigLoader
{
    public const string EnvironmentPrefix = "EDGETRACKER_";

    /// <summary>Where the daemon looks when no --config is given: /etc first (installed), then beside the binary.</summary>
    public static IEnumerable<string> DefaultFiles() =>
    [
        "/etc/edgetracker/edgetracker.json",
        Path.Combine(AppContext.BaseDirectory, "config", "edgetracker.json"),
    ];

    public static LoadedConfig Load(string? file, IReadOnlyList<string> overrides, IDictionary<string, string?>? environment = null)
    {
        var errors = new List<ConfigError>();
        var builder = new ConfigurationBuilder();
        string? used = null;
        if (file is not null)
        {
            if (File.Exists(file))
            {
                used = Path.GetFullPath(file);
            }
            else
            {
                errors.Add(new("--config", $"'{file}' does not exist"));
            }
        }
        else
        {
            used = DefaultFiles().FirstOrDefault(File.Exists);
        }
        if (used is not null)
        {
            builder.AddJsonFile(used, optional: false, reloadOnChange: false);
        }
        if (environment is null)
        {
            builder.AddEnvironmentVariables(EnvironmentPrefix);
        }
        else
        {
            // Tests pass their own environment instead of the process's.
            builder.AddInMemoryCollection(environment
                .Where(kv => kv.Key.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
                .Select(kv => KeyValuePair.Create(kv.Key[EnvironmentPrefix.Length..].Replace("__", ":"), kv.Value)));
        }
        foreach (var token in overrides)
        {
            if (!token.StartsWith("--", StringComparison.Ordinal) || !token.Contains('='))
            {
                errors.Add(new(token, "is not an override of the form --Section:Key=value"));
            }
        }
        builder.AddCommandLine(overrides.Where(t => t.StartsWith("--", StringComparison.Ordinal) && t.Contains('=')).ToArray());

        IConfigurationRoot configuration;
        try
        {
            configuration = builder.Build();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or System.Text.Json.JsonException)
        {
            // A JSON syntax error: the parser's message names the line and position.
            errors.Add(new(used ?? "--config", e.InnerException?.Message ?? e.Message));
            return new(new EdgeTrackerOptions(), new ConfigurationBuilder().Build(), errors, used);
        }
        var options = new EdgeTrackerOptions();
        StrictBinder.Bind(configuration, options, errors);
        errors.AddRange(OptionsValidator.Validate(options));
        return new(options, configuration, errors, used);
    }
}
