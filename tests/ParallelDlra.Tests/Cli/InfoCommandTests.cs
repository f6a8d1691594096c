using ParallelDlra.Cli;
using Xunit;

namespace ParallelDlra.Tests.Cli;

public sealed class InfoCommandTests
{
    [Fact]
    public void Info_describes_the_installation_and_exits_zero()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int rc = Program.Invoke(["info"], stdout, stderr);
        var text = stdout.ToString();

        Assert.Equal(ExitCodes.Done, rc);
        Assert.Equal("", stderr.ToString());
        Assert.Matches(@"(?m)^pdlra\s+\d+\.\d+\.\d+", text);
        Assert.Matches(@"(?m)^\.NET\s+\.NET 10", text);
        Assert.Matches(@"(?m)^linear algebra\s+\S", text);
        Assert.Matches(@"(?m)^MPI\s+(libmpi\.so|not found)", text);
        Assert.Matches(@"(?m)^GPUs: ", text);
    }
}
