namespace FieldCamp.Domain.Tenancy;

/// <summary>A customer account. Its slug is how people and legacy tokens name it.</summary>
public sealed class Company
{
    private Company() { }

    public Company(string id, string slug, string name)
    {
        Id = id;
        Slug = slug;
        Name = name;
    }

    public string Id { get; private set; } = "";
    public string Slug { get; private set; } = "";
    public string Name { get; private set; } = "";
}

/// <summary>A location of a company. Every resource, API keys included, belongs to exactly one branch.</summary>
public sealed class Branch
{
    private Branch() { }

    public Branch(string id, string companyId, string name)
    {
        Id = id;
        CompanyId = companyId;
        Name = name;
    }

    public string Id { get; private set; } = "";
    public string CompanyId { get; private set; } = "";
    public string Name { get; private set; } = "";
}

public enum Role
{
    Owner = 1,
    Admin = 2,
    /// <summary>Dispatchers and everyone else: may read the key list, never change a key.</summary>
    Member = 3,
}

/// <summary>A person's role in a company.</summary>
public sealed class Membership
{
    private Membership() { }

    public Membership(string userId, string companyId, Role role)
    {
        UserId = userId;
        CompanyId = companyId;
        Role = role;
    }

    public long Id { get; private set; }
    public string UserId { get; private set; } = "";
    public string CompanyId { get; private set; } = "";
    public Role Role { get; private set; }

    public bool CanManageKeys => Role is Role.Owner or Role.Admin;

    /// <summary>Gives the person another role; the caller checks <see cref="TeamRules"/> first (it needs the owner count).</summary>
    public void ChangeRole(Role role)
    {
        if (!Enum.IsDefined(role)) throw new DomainException("Choose Owner, Admin or Member.");
        Role = role;
    }
}
