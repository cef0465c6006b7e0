using FieldCamp.Domain.Incidents;

namespace FieldCamp.Tests.Unit.Domain;

public class LeakActivityTests
{
    [Theory]
    [InlineData("POST", true)]
    [InlineData("put", true)]
    [InlineData("PATCH", true)]
    [InlineData("DELETE", true)]
    [InlineData("GET", false)]
    [InlineData("HEAD", false)]
    [InlineData("OPTIONS", false)]
    public void IsWrite_Method_ChangesSomethingOrNot(string method, bool write) => Assert.Equal(write, LeakActivity.IsWrite(method));

    [Fact]
    public void Template_RecordPath_TakesTheIdsOut()
    {
        var (template, records) = LeakActivity.Template("/api/v1/jobs/job_0TpXk2Mz4fB9qLr7Wx1Ns/visits");

        Assert.Equal("/api/v1/jobs/{id}/visits", template);
        Assert.Equal([("jobs", "job_0TpXk2Mz4fB9qLr7Wx1Ns")], records);
    }

    [Theory]
    [InlineData("/api/v1/jobs", "/api/v1/jobs")]
    [InlineData("/api/v1/company-info", "/api/v1/company-info")]
    [InlineData("/api/v1/jobs?limit=5", "/api/v1/jobs")]
    [InlineData("/api/v1/api-keys/key_0TpXk2Mz4fB9qLr7Wx1Ns", "/api/v1/api-keys/{id}")]
    [InlineData("/api/v1/clients/not_an_id!", "/api/v1/clients/not_an_id!")]
    public void Template_Paths_KeepWhatIsNotAnId(string path, string template) => Assert.Equal(template, LeakActivity.Template(path).Template);

    [Fact]
    public void Template_ListOrCreate_NamesNoRecord() => Assert.Empty(LeakActivity.Template("/api/v1/clients").Records);
}
