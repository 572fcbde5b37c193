//! A transfer between two accounts and its record, written all or nothing, then read back as one
//! snapshot; a second transfer that would overdraw is cancelled with the reason per action.
//!
//! Run it with `cargo run --example transactions`.

use structnosql::expr::Condition;
use structnosql::table::{BasicTable, PrimaryIndex, ReadTransaction, Setters, WriteTransaction};
use structnosql::{EmbeddedDynamoDb, Error, TableDataModel};

#[derive(TableDataModel, Debug)]
struct Account {
    id: String,
    balance: Option<i64>,
}

#[derive(TableDataModel, Debug)]
#[structnosql(rename_all = "camelCase")]
struct Transfer {
    transfer_id: String,
    amount: i64,
}

/// Moves `amount` from `a` to `b` if `a` holds `a_balance` and enough, recording the transfer.
fn transfer(
    accounts: &BasicTable<Account>,
    transfers: &BasicTable<Transfer>,
    id: &str,
    amount: i64,
    (a_balance, b_balance): (i64, i64),
) -> structnosql::Result<WriteTransaction> {
    let balance = Account::fields().balance();
    let enough =
        Condition::eq(balance.clone(), a_balance).and(Condition::ge(balance.clone(), amount));
    WriteTransaction::new()
        .update_if(
            accounts,
            "a",
            &Setters::new().set(balance.clone(), a_balance - amount),
            &enough,
        )?
        .update(
            accounts,
            "b",
            &Setters::new().set(balance, b_balance + amount),
        )?
        .put(
            transfers,
            &Transfer {
                transfer_id: id.into(),
                amount,
            },
        )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = EmbeddedDynamoDb::start()?;
    let accounts = BasicTable::<Account>::builder()
        .table_name("accounts")
        .client(server.client())
        .primary_index(PrimaryIndex::hash("id"))
        .auto_create_table(true)
        .build()
        .await?;
    let transfers = BasicTable::<Transfer>::builder()
        .table_name("transfers")
        .client(server.client())
        .primary_index(PrimaryIndex::hash("transferId"))
        .auto_create_table(true)
        .build()
        .await?;
    for (id, balance) in [("a", 100), ("b", 0)] {
        accounts
            .put_record(&Account {
                id: id.into(),
                balance: Some(balance),
            })
            .await?;
    }

    transfer(&accounts, &transfers, "t1", 70, (100, 0))?
        .commit()
        .await?;
    println!("t1: moved 70 from a to b");

    match transfer(&accounts, &transfers, "t2", 70, (30, 70))?
        .commit()
        .await
    {
        Err(Error::TransactionCanceled { actions }) => {
            for action in actions {
                let code = action.code.as_deref().unwrap_or("-");
                println!("t2 cancelled: {} -> {code}", action.action);
            }
        }
        other => println!("unexpected: {other:?}"),
    }

    let mut reads = ReadTransaction::new();
    let (a, b) = (reads.get(&accounts, "a")?, reads.get(&accounts, "b")?);
    let (t1, t2) = (reads.get(&transfers, "t1")?, reads.get(&transfers, "t2")?);
    let mut results = reads.commit().await?;
    println!(
        "balances a={:?} b={:?}",
        results.take(a)?.and_then(|account| account.balance),
        results.take(b)?.and_then(|account| account.balance)
    );
    println!(
        "transfers t1={:?} t2={:?}",
        results.take(t1)?.map(|transfer| transfer.amount),
        results.take(t2)?.map(|transfer| transfer.amount)
    );
    Ok(())
}
