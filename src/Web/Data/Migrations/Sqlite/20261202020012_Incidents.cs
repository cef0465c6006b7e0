using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FieldCamp.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Incidents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Incidents",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    CompanyId = table.Column<string>(type: "TEXT", nullable: false),
                    BranchId = table.Column<string>(type: "TEXT", nullable: false),
                    ApiKeyId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    KeyName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Source = table.Column<int>(type: "INTEGER", nullable: false),
                    ReportedUrl = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    OpenedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Step = table.Column<int>(type: "INTEGER", nullable: false),
                    ActivitySummary = table.Column<string>(type: "TEXT", nullable: true),
                    ActivityReviewedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ReplacementKeyId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    Ticks = table.Column<string>(type: "TEXT", nullable: false),
                    ClosedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    ClosedBy_Id = table.Column<string>(type: "TEXT", nullable: true),
                    ClosedBy_Ip = table.Column<string>(type: "TEXT", nullable: true),
                    ClosedBy_Name = table.Column<string>(type: "TEXT", nullable: true),
                    ClosedBy_Type = table.Column<int>(type: "INTEGER", nullable: true),
                    ReportedBy_Id = table.Column<string>(type: "TEXT", nullable: false),
                    ReportedBy_Ip = table.Column<string>(type: "TEXT", nullable: true),
                    ReportedBy_Name = table.Column<string>(type: "TEXT", nullable: false),
                    ReportedBy_Type = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Incidents", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Incidents_Branches_BranchId",
                        column: x => x.BranchId,
                        principalTable: "Branches",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Incidents_ApiKeyId_Id",
                table: "Incidents",
                columns: new[] { "ApiKeyId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Incidents_BranchId_Id",
                table: "Incidents",
                columns: new[] { "BranchId", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Incidents");
        }
    }
}
