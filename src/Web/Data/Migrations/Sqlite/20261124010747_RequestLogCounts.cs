using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FieldCamp.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RequestLogCounts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Count",
                table: "ApiKeyRequests",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1); // every row written before this migration stood for one request
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Count",
                table: "ApiKeyRequests");
        }
    }
}
