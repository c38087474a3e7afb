from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Unit, User


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ["name", "short_name", "kind", "sort_order", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name"]
    list_editable = ["sort_order"]


@admin.register(User)
class AccountAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "display_name", "role", "unit", "is_active", "last_login"]
    list_filter = ["role", "unit", "is_active", "is_superuser"]
    search_fields = ["username", "display_name", "first_name", "last_name", "email", "unit__name"]
    list_select_related = ["unit"]
    fieldsets = UserAdmin.fieldsets + ((_("Role in the tracker"), {"fields": ("display_name", "role", "unit")}),)
    add_fieldsets = UserAdmin.add_fieldsets + ((_("Role in the tracker"), {"fields": ("display_name", "role", "unit")}),)
