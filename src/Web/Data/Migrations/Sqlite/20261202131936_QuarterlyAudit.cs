using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FieldCamp.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class QuarterlyAudit : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "QuarterlyReviews",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    CompanyId = table.Column<string>(type: "TEXT", nullable: false),
                    Year = table.Column<int>(type: "INTEGER", nullable: false),
                    Number = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CompletedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    LastDecidedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    CompletedBy_Id = table.Column<string>(type: "TEXT", nullable: true),
                    CompletedBy_Ip = table.Column<string>(type: "TEXT", nullable: true),
                    CompletedBy_Name = table.Column<string>(type: "TEXT", nullable: true),
                    CompletedBy_Type = table.Column<int>(type: "INTEGER", nullable: true),
                    CompletedBy_UserAgent = table.Column<string>(type: "TEXT", nullable: true),
                    CreatedBy_Id = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedBy_Ip = table.Column<string>(type: "TEXT", nullable: true),
                    CreatedBy_Name = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedBy_Type = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedBy_UserAgent = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_QuarterlyReviews", x => x.Id);
                    table.ForeignKey(
                        name: "FK_QuarterlyReviews_Companies_CompanyId",
                        column: x => x.CompanyId,
                        principalTable: "Companies",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ReviewItems",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ReviewId = table.Column<string>(type: "TEXT", nullable: false),
                    ApiKeyId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    BranchId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    KeyName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Scopes = table.Column<string>(type: "TEXT", nullable: false),
                    Decision = table.Column<int>(type: "INTEGER", nullable: true),
                    Note = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    DecidedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    DecidedBy_Id = table.Column<string>(type: "TEXT", nullable: true),
                    DecidedBy_Ip = table.Column<string>(type: "TEXT", nullable: true),
                    DecidedBy_Name = table.Column<string>(type: "TEXT", nullable: true),
                    DecidedBy_Type = table.Column<int>(type: "INTEGER", nullable: true),
                    DecidedBy_UserAgent = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReviewItems", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ReviewItems_QuarterlyReviews_ReviewId",
                        column: x => x.ReviewId,
                        principalTable: "QuarterlyReviews",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_QuarterlyReviews_CompanyId_Year_Number",
                table: "QuarterlyReviews",
                columns: new[] { "CompanyId", "Year", "Number" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ReviewItems_ReviewId_ApiKeyId",
                table: "ReviewItems",
                columns: new[] { "ReviewId", "ApiKeyId" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ReviewItems");

            migrationBuilder.DropTable(
                name: "QuarterlyReviews");
        }
    }
}
