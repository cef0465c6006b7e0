using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FieldCamp.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class KeyPolicy : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "KeyPolicies",
                columns: table => new
                {
                    CompanyId = table.Column<string>(type: "TEXT", nullable: false),
                    DefaultRequestsPerMinute = table.Column<int>(type: "INTEGER", nullable: true),
                    DefaultExpiryDays = table.Column<int>(type: "INTEGER", nullable: true),
                    RequireExpiry = table.Column<bool>(type: "INTEGER", nullable: false),
                    MaxLifetimeDays = table.Column<int>(type: "INTEGER", nullable: true),
                    RevokeUnusedAfterDays = table.Column<int>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_KeyPolicies", x => x.CompanyId);
                    table.ForeignKey(
                        name: "FK_KeyPolicies_Companies_CompanyId",
                        column: x => x.CompanyId,
                        principalTable: "Companies",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "KeyPolicies");
        }
    }
}
