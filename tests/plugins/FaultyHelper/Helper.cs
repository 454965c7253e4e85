namespace faultyhelper;

public static class Helper
{
    public static string Hello() => "hello from the helper";
}
