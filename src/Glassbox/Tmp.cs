namespace Glassbox
{
    /// <summary>tmp</summary>
    public static class Placeholder0 { }
}
