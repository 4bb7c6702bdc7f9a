using System.Security.Cryptography;

namespace Channels.Nats.Links;

/// <summary>
/// The subjects of links at one endpoint name: the listener's subject, where a connector asks for a link, and
/// per link one inbox per end (<c>chn.link.&lt;name&gt;.&lt;id&gt;.o</c> read by the listener's end,
/// <c>….p</c> read by the connector's end). The id is random, made by the connector.
/// </summary>
internal static class LinkSubjects
{
    /// <summary>Characters of a link id (hex of 16 random bytes).</summary>
    public const int IdLength = 32;

    public static string Listen(string name) => "chn.link." + name;

    public static string OpenerInbox(string name, string id) => "chn.link." + name + "." + id + ".o";

    public static string PeerInbox(string name, string id) => "chn.link." + name + "." + id + ".p";

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdLength / 2));

    /// <summary>Whether <paramref name="id"/>, read from the network, is a well-formed link id.</summary>
    public static bool IsValidId(string? id)
    {
        if (id is null || id.Length != IdLength)
            return false;
        foreach (char c in id)
        {
            if (!char.IsAsciiHexDigitLower(c))
                return false;
        }
        return true;
    }
}
