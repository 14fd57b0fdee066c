using k8s.Models;

namespace Infra.Rehearsal.Kubernetes;

/// <summary>Kubernetes quantity strings ("500m", "1Gi", "12") as milli-units, the way the HPA controller reads them.</summary>
public static class Quantity
{
    /// <summary><c>resource.Quantity.MilliValue()</c>: the value × 1000, rounded up.</summary>
    public static long Milli(string text)
    {
        decimal value;
        try
        {
            value = new ResourceQuantity(text).ToDecimal();
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            throw new FormatException($"'{text}' is not a Kubernetes quantity", e);
        }
        return (long)Math.Ceiling(value * 1000m);
    }

    /// <summary><c>Quantity.AsApproximateFloat64()</c>.</summary>
    public static double Approximate(string text) => Milli(text) / 1000.0;

    /// <summary>Milli-units as a quantity string: "500m", or "3" when whole.</summary>
    public static string FromMilli(long milli) => milli % 1000 == 0 ? (milli / 1000).ToString() : $"{milli}m";
}
