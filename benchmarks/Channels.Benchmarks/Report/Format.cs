using System.Globalization;

namespace Channels.Benchmarks.Report;

/// <summary>Number formatting for the table, invariant and compact.</summary>
public static class Format
{
    /// <summary>A rate: "6.12 M", "185 k", "950".</summary>
    public static string Rate(double? value) => value switch
    {
        null => "–",
        >= 1e6 => (value.Value / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + " M",
        >= 1e3 => (value.Value / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + " k",
        _ => value.Value.ToString("0", CultureInfo.InvariantCulture),
    };

    /// <summary>A plain number with a fixed number of decimals, or a dash.</summary>
    public static string Number(double? value, int decimals) => value is null ? "–" : value.Value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>A ratio: "0.85×", "31×", "0.012×".</summary>
    public static string Ratio(double? value) => value switch
    {
        null => "–",
        >= 10 => value.Value.ToString("0", CultureInfo.InvariantCulture) + "×",
        >= 0.1 => value.Value.ToString("0.00", CultureInfo.InvariantCulture) + "×",
        _ => value.Value.ToString("0.000", CultureInfo.InvariantCulture) + "×",
    };

    /// <summary>Allocated bytes per message: "0", "96", "1,064", or a dash.</summary>
    public static string Bytes(double? value) => value switch
    {
        null => "–",
        < 0.5 => value.Value < 0.005 ? "0" : value.Value.ToString("0.00", CultureInfo.InvariantCulture),
        _ => value.Value.ToString("N0", CultureInfo.InvariantCulture),
    };

    /// <summary>A power of ten for a chart axis: "0.01×", "1×", "100×".</summary>
    public static string Decade(double value) => value.ToString(value >= 1 ? "0" : "0.######", CultureInfo.InvariantCulture) + "×";
}
