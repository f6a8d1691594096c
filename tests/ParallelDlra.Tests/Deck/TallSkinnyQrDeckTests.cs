using ParallelDlra.Deck;
using ParallelDlra.Parallel;
using Xunit;
using static ParallelDlra.Tests.Deck.DeckTestSupport;

namespace ParallelDlra.Tests.Deck;

/// <summary>The deck key <c>solver.qr</c> that picks the <see cref="ParallelDlra.Parallel.TallSkinnyQr"/> method.</summary>
public class TallSkinnyQrDeckTests
{
    private const string Deck = "problem: {name: q}\ngrid: {cells: [4], extent: [[0, 1]]}\nangular: {order: 1}\ntime: {end: 1}\n";

    [Theory]
    [InlineData(null, QrMethod.CholeskyQr2)]   // the default since issue #19
    [InlineData("tsqr", QrMethod.Tsqr)]
    [InlineData("cholqr2", QrMethod.CholeskyQr2)]
    [InlineData("scholqr3", QrMethod.ShiftedCholeskyQr3)]
    public void Solver_qr_is_read_and_written_back(string? word, QrMethod expected)
    {
        var o = DeckReader.Parse(Deck + (word is null ? "" : $"solver: {{qr: {word}}}\n"), "q.yaml", "/tmp", []);
        Assert.Equal(expected, o.Solver.Qr);
        var yaml = DeckWriter.ToYaml(o);
        Assert.Contains($"  qr: {word ?? "cholqr2"}\n", yaml);
        Assert.Equal(o, DeckReader.Parse(yaml, "roundtrip.yaml", "/tmp", []));
    }

    [Fact]
    public void Unknown_qr_method_is_one_error_line()
    {
        using var dir = new TempDir();
        string deck = dir.Write("deck.yaml", Deck + "solver:\n  qr: householder\n");
        var (code, _, err) = Invoke("check", deck);
        Assert.Equal(2, code);
        Assert.Contains("solver.qr = householder", err);
        Assert.Contains("allowed: tsqr | cholqr2 | scholqr3", err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
    }
}
