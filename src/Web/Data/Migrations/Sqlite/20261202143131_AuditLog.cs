using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FieldCamp.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AuditLog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_CompanyId_BranchId_Id",
                table: "AuditEvents",
                columns: new[] { "CompanyId", "BranchId", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_CompanyId_BranchId_Id",
                table: "AuditEvents");
        }
    }
}
