namespace EdgeTracker.Hosting.Commands;

/// <summary>
/// Raw command in, reply out: parses a payload with the MQTT contract's parser (the only one), runs it through
/// <see cref="CommandHandler"/>, and serialises the reply. MQTT and the web page both come through here.
/// </summary>
public interface ICommandRouter
{
    /// <param name="camera">The camera the topic or path names (null for device-wide commands such as config/set).</param>
    /// <param name="command"><c>target/set</c>, <c>target/clear</c> or <c>config/set</c>.</param>
    /// <param name="payload">The command's JSON, as sent.</param>
    /// <param name="cancellation">Cancels waiting for the reply.</param>
    Task<RoutedReply> HandleAsync(string? camera, string command, ReadOnlyMemory<byte> payload, CancellationToken cancellation);
}

/// <summary>The reply as JSON (the contract's reply payload) and whether the command succeeded.</summary>
public readonly record struct RoutedReply(bool Ok, byte[] Json);
