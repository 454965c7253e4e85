namespace dropin;

internal static class Versions
{
    public const string Current = "v1";
}
